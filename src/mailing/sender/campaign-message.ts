import { hmac } from '../../common/crypto';
import type { AppConfig } from '../../config/config';
import { AddressTokens, bounceAddress } from '../../inbound/address-tokens';
import { mailbox } from '../../mail/mailbox';
import type { OutgoingMail } from '../../mail/mail-transport';
import { CompiledCampaign } from '../campaigns/campaign-renderer';
import type { MailingList } from '../lists/entities/mailing-list.entity';
import { MailingTokens } from '../mailing-tokens';

export interface MessageRecipient {
  id: number;
  subscriberId: number;
  listId: number | null;
  email: string;
  name: string;
  locale: string | null;
}

/**
 * Builds the mail of one campaign recipient: personalised body, and the headers mailbox providers require of
 * bulk senders — List-Unsubscribe (https one-click + mailto, RFC 2369/8058), List-Unsubscribe-Post, List-Id
 * (RFC 2919) and a Message-ID that is the same every time this row is (re)sent.
 */
export class CampaignMessageBuilder {
  private readonly host: string;
  /** Makes Message-IDs unguessable without an HMAC per mail: one per campaign, the row id does the rest. */
  private readonly idSuffix: string;
  private readonly addressTokens: AddressTokens;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: MailingTokens,
    private readonly campaignId: number,
    /** The marketing sender, as the settings had it when this send began. */
    private readonly from: string,
  ) {
    this.host = new URL(config.appUrl).hostname;
    this.idSuffix = hmac(config.secretKey, `msgid:${campaignId}`).slice(0, 10);
    this.addressTokens = new AddressTokens(config.secretKey);
  }

  messageId(recipientId: number): string {
    return `<c${this.campaignId}.r${recipientId}.${this.idSuffix}@${this.host}>`;
  }

  listId(list: Pick<MailingList, 'name' | 'listKey'> | null): string {
    const id = `${list ? list.listKey : 'clients'}.${this.host}`;
    if (!list) return `<${id}>`;
    const name = list.name.replace(/[\r\n"\\<>]/g, ' ').trim();
    // Non-ASCII list names go out as an RFC 2047 encoded word; the <id> part stays plain.
    const phrase = /^[\x20-\x7e]*$/.test(name) ? `"${name}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
    return `${phrase} <${id}>`;
  }

  build(compiled: CompiledCampaign, r: MessageRecipient, list: Pick<MailingList, 'name' | 'listKey'> | null): OutgoingMail {
    const token = this.tokens.unsubscribe({ subscriberId: r.subscriberId, campaignId: this.campaignId, listId: r.listId ?? 0 });
    const unsubscribeUrl = `${this.config.appUrl}/u/${token}`;
    const rendered = compiled.render(
      // The preferences link goes through the unsubscribe token (one HMAC per mail; see UnsubscribeService).
      { name: r.name, email: r.email, unsubscribe_url: unsubscribeUrl, preferences_url: `${unsubscribeUrl}/preferences` },
      r.locale,
    );
    return {
      from: this.from,
      to: mailbox(r.name, r.email),
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId: this.messageId(r.id),
      // VERP: a bounce names this recipient row (src/mailing/inbound/bounce.handler.ts).
      envelopeFrom: bounceAddress(this.config, this.addressTokens, `r${r.id}`),
      headers: {
        'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${this.config.unsubscribeMailto}?subject=unsubscribe%20${token}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': this.listId(list),
        Precedence: 'bulk',
      },
    };
  }
}
