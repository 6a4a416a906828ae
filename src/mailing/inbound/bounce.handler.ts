import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { AddressTokens } from '../../inbound/address-tokens';
import { bounceVerdict, readReport } from '../../inbound/delivery-report';
import { InboundRegistry } from '../../inbound/inbound-registry';
import { accept, InboundHandler, InboundMail, InboundOutcome, refuse } from '../../inbound/inbound.types';
import { OutboxRepository } from '../../mail/outbox.repository';
import { SubscriptionsService } from '../subscribers/subscriptions.service';
import { BouncesRepository } from './bounces.repository';

/**
 * How long a return path is honoured. Delay and failure reports arrive within the sender's queue lifetime
 * (5 days by default in Postfix and Exim); complaints and late bounces from forwarders can take weeks.
 */
export const BOUNCE_TOKEN_DAYS = 90;

/** What a VERP return path names: a campaign recipient row or an outbox message. */
type BounceRef = { kind: 'recipient' | 'outbox'; id: number };

/**
 * Delivery status reports and abuse complaints sent back to `bounce+<token>@INBOUND_DOMAIN`, the envelope sender
 * of every outgoing mail while the inbound listener is on. A hard bounce (Action: failed, Status 5.x.x) or a
 * complaint (ARF) suppresses the one address the token names for marketing and marks its campaign row
 * `bounced` / its outbox message bounced; a soft bounce (4.x.x, delayed) is only recorded. Anything else
 * sent there (an auto-reply to the return path) is stored and ignored.
 */
@Injectable()
export class BounceHandler implements InboundHandler<BounceRef>, OnModuleInit {
  readonly name = 'mailing.bounce';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: InboundRegistry,
    private readonly tokens: AddressTokens,
    private readonly db: Database,
    private readonly bounces: BouncesRepository,
    private readonly outbox: OutboxRepository,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  claim(rcpt: { domain: string; base: string; tag: string | null }) {
    if (rcpt.domain !== this.config.inbound.domain || rcpt.base !== 'bounce') return null;
    const check = this.tokens.verify('bounce', rcpt.tag ?? '', BOUNCE_TOKEN_DAYS);
    if (!check.ok && check.reason === 'expired') return refuse(550, '5.7.1', `This return address has expired (it is valid for ${BOUNCE_TOKEN_DAYS} days)`);
    const m = check.ok ? /^([ro])(\d{1,15})$/.exec(check.ref) : null;
    if (!m) return refuse(550, '5.1.1', 'No such return address: this bounce address was not issued here');
    return accept<BounceRef>({ kind: m[1] === 'r' ? 'recipient' : 'outbox', id: Number(m[2]) });
  }

  async handle(mail: InboundMail, claims: BounceRef[]): Promise<InboundOutcome> {
    const ct = mail.parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
    if (ct?.value?.toLowerCase() !== 'multipart/report') return { outcome: 'not-a-report' };
    const report = readReport(await fs.promises.readFile(mail.rawPath), ct.value, ct.params?.boundary, ct.params?.['report-type']);
    const verdict = report && bounceVerdict(report);
    if (!verdict) return { outcome: 'not-a-report' };
    const detail = `${verdict.detail}${verdict.recipient ? ` (${verdict.recipient})` : ''}`.slice(0, 500);
    if (verdict.kind === 'soft') return { outcome: 'soft-bounce', detail };
    if (verdict.kind === 'delivered') return { outcome: 'delivery-report', detail };

    const reason = verdict.kind === 'complaint' ? 'complained' : 'bounced';
    const ctx = { source: verdict.kind === 'complaint' ? ('complaint' as const) : ('bounce' as const), ip: mail.remoteAddress };
    const suppressed: string[] = [];
    // One report names one sent mail; the unique refs keep a report to two of our addresses from counting twice.
    const refs = [...new Map(claims.map((c) => [`${c.kind}:${c.id}`, c])).values()];
    await this.db.transaction(
      async (m) => {
        for (const ref of refs) {
          if (ref.kind === 'recipient') {
            const row = await this.bounces.findRecipient(ref.id, m);
            if (!row) continue;
            await this.bounces.markRecipientBounced(m, row.id, detail);
            await this.subscriptions.suppress(m, row.subscriberId, reason, { ...ctx, campaignId: row.campaignId }, detail.slice(0, 255));
            suppressed.push(`subscriber ${row.subscriberId}`);
          } else {
            const msg = await this.outbox.findById(ref.id);
            if (!msg) continue;
            await this.outbox.markBounced(m, msg.id, detail);
            const address = /<([^>]+)>\s*$/.exec(msg.to)?.[1] ?? msg.to;
            await this.subscriptions.suppressEmail(m, address, reason, ctx, detail.slice(0, 255));
            suppressed.push(address);
          }
        }
      },
      { retries: 4 },
    );
    return { outcome: verdict.kind === 'complaint' ? 'complaint' : 'hard-bounce', detail: `${detail}; suppressed ${suppressed.join(', ') || 'nothing (unknown row)'}` };
  }
}
