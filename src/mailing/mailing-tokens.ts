import { hmac, safeEqual } from '../common/crypto';

/**
 * Links in marketing mail work without a login, so they carry an HMAC (SECRET_KEY) over what they act on.
 *
 * Unsubscribe token: binds the subscriber and the campaign and list the mail came through, so it cannot be
 * turned against another subscriber, and a one-click POST knows which list to leave (list 0 = a mail sent to
 * product clients, not through a list: unsubscribing there means from all marketing mail).
 * Preferences token: binds the subscriber only.
 *
 * Neither expires: RFC 8058 one-click links must keep working for as long as the mail sits in a mailbox.
 */
export interface UnsubscribeTarget {
  subscriberId: number;
  campaignId: number;
  listId: number;
}

const b36 = (n: number) => n.toString(36);

export class MailingTokens {
  constructor(private readonly secret: string) {}

  private sign(kind: string, payload: string): string {
    // 16 bytes of HMAC-SHA256 (128 bits): unguessable, and keeps the URL short.
    return hmac(this.secret, `mailing:${kind}:${payload}`).slice(0, 22);
  }

  unsubscribe(t: UnsubscribeTarget): string {
    const payload = `${b36(t.subscriberId)}.${b36(t.campaignId)}.${b36(t.listId)}`;
    return `${payload}.${this.sign('u', payload)}`;
  }

  readUnsubscribe(token: string): UnsubscribeTarget | null {
    const m = /^([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(token ?? '');
    if (!m) return null;
    if (!safeEqual(m[4], this.sign('u', `${m[1]}.${m[2]}.${m[3]}`))) return null;
    const [subscriberId, campaignId, listId] = [m[1], m[2], m[3]].map((v) => parseInt(v, 36));
    if (!Number.isSafeInteger(subscriberId) || subscriberId < 1) return null;
    return { subscriberId, campaignId, listId };
  }

  preferences(subscriberId: number): string {
    const payload = b36(subscriberId);
    return `${payload}.${this.sign('p', payload)}`;
  }

  readPreferences(token: string): number | null {
    const m = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/.exec(token ?? '');
    if (!m || !safeEqual(m[2], this.sign('p', m[1]))) return null;
    const id = parseInt(m[1], 36);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }
}
