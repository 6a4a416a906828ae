import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { InboundAddress } from '../../inbound/address-tokens';
import { InboundRegistry } from '../../inbound/inbound-registry';
import { accept, InboundHandler, InboundMail, InboundOutcome, InboundRefusal } from '../../inbound/inbound.types';
import { UnsubscribeService } from '../public/unsubscribe.service';

/** The unsubscribe token of a campaign mail (MailingTokens.unsubscribe), wherever it appears. */
const TOKEN = /\b[0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/g;

/**
 * The `mailto:` half of List-Unsubscribe (RFC 2369). Every campaign mail advertises
 * `mailto:UNSUBSCRIBE_MAILTO?subject=unsubscribe%20<token>`, with the token of its one-click URL; mail clients
 * (Gmail's "Unsubscribe", Apple Mail, Outlook) send a mail there with that subject. The token is case-sensitive,
 * so it travels in the subject, which no MTA rewrites, not in the local part. It is read from the subject, else
 * from the body (a person who pasted it), and the unsubscription is the one-click POST's own call
 * (UnsubscribeService.oneClick: same consent event, same wait for mail in flight).
 *
 * No valid token: refused with 550 5.7.1 at DATA time, so the person learns from their own mail system that
 * nothing happened (a silent drop would leave them believing they were unsubscribed) and we send no bounce
 * ourselves. A machine's mail (an auto-reply) without a token is accepted and ignored, so no loop starts.
 */
@Injectable()
export class UnsubscribeMailHandler implements InboundHandler<true>, OnModuleInit {
  readonly name = 'mailing.unsubscribe';
  private readonly logger = new Logger('UnsubscribeMail');
  private readonly address: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly registry: InboundRegistry,
    private readonly unsubscribe: UnsubscribeService,
  ) {
    this.address = config.unsubscribeMailto.toLowerCase();
  }

  onModuleInit(): void {
    this.registry.register(this);
  }

  claim(rcpt: InboundAddress) {
    return rcpt.address === this.address ? accept<true>(true) : null;
  }

  async handle(mail: InboundMail): Promise<InboundOutcome> {
    const candidates = [...(mail.parsed.subject ?? '').matchAll(TOKEN), ...(mail.parsed.text ?? '').slice(0, 20_000).matchAll(TOKEN)].map((m) => m[0]);
    for (const token of new Set(candidates)) {
      const view = await this.unsubscribe.oneClick(token, mail.remoteAddress);
      if (view) return { outcome: 'unsubscribed', detail: `subscriber ${view.subscriber.id}${view.list ? `, list ${view.list.id}` : ', all marketing mail'}` };
    }
    if (mail.classification.isAutomatic) return { outcome: 'ignored', detail: `automatic mail without a token (${mail.classification.reasons.join(', ')})` };
    this.logger.log(`unsubscribe mail without a valid token from ${mail.envelopeFrom || '<>'} refused`);
    throw new InboundRefusal(550, '5.7.1', 'No valid unsubscribe token in this mail: use the unsubscribe link at the bottom of the mail you received');
  }
}
