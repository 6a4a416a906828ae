import { Inject, Injectable } from '@nestjs/common';
import { BlockList, isIP } from 'node:net';
import { Actor } from '../../../audit/actor';
import { AppError } from '../../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { STRIPE_KEY_FIELD, refundOutcome } from './adapters/stripe.adapter';
import { yookassaDescription } from './adapters/yookassa.adapter';
import { RefundAdapters } from './refund-adapters';
import { verifyStripeSignature } from './refund-signing';
import { RefundsService } from './refunds.service';

export interface RefundWebhookResult {
  status: 'ok' | 'ignored';
  refunds: number;
}

/** Stripe's refund events (https://docs.stripe.com/api/events/types); the rest is answered 200 and ignored. */
const STRIPE_REFUND_EVENTS = new Set(['refund.created', 'refund.updated', 'refund.failed', 'charge.refunded']);

/**
 * The providers' refund notifications. Each only moves a refund kabinet made forward (RefundsService
 * `applyProviderUpdate`): a duplicate, a late event or a refund made elsewhere changes nothing.
 */
@Injectable()
export class RefundWebhooksService {
  private readonly yookassaIps = new BlockList();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly refunds: RefundsService,
    private readonly adapters: RefundAdapters,
  ) {
    for (const entry of config.refunds.yookassa?.webhookIps ?? []) {
      const [addr, bits] = entry.split('/');
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.yookassaIps.addAddress(addr, type);
      else this.yookassaIps.addSubnet(addr, Number(bits), type);
    }
  }

  /**
   * POST /webhooks/stripe. Verified as Stripe documents (refund-signing.ts): `Stripe-Signature` over the raw body
   * with STRIPE_WEBHOOK_SECRET, 5 minutes' tolerance; a bad signature is 400, as Stripe's libraries answer it. A
   * signed event is Stripe's word, so its refund object is used as it is.
   */
  async stripe(rawBody: Buffer | undefined, signature: string | undefined, ip: string): Promise<RefundWebhookResult> {
    const secret = this.config.refunds.stripe?.webhookSecret;
    if (!secret) throw new AppError('not_found', 'refunds.webhook_off', 'The Stripe webhook is not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)');
    const verdict = verifyStripeSignature(signature, rawBody ?? Buffer.alloc(0), secret, Math.floor(Date.now() / 1000));
    if (!rawBody || verdict !== 'ok') throw new AppError('bad_request', 'refunds.bad_signature', `Stripe-Signature: ${verdict === 'stale' ? 'the timestamp is outside the 5-minute tolerance' : 'missing, malformed or not matching the body'}`);
    const event = parseJsonObject(rawBody);
    const type = typeof event.type === 'string' ? event.type : '';
    if (!STRIPE_REFUND_EVENTS.has(type)) return { status: 'ignored', refunds: 0 };
    const obj = ((event.data as Record<string, unknown> | undefined)?.object ?? {}) as Record<string, unknown>;
    // charge.refunded carries the charge; its refunds list is there when the API version expands it
    const list = type === 'charge.refunded' ? (((obj.refunds as Record<string, unknown> | undefined)?.data as unknown[]) ?? []) : [obj];
    const actor: Actor = { userId: null, label: 'webhook', ip };
    let n = 0;
    for (const item of list) {
      if (!item || typeof item !== 'object') continue;
      const r = item as Record<string, unknown>;
      const outcome = refundOutcome(r);
      if (!outcome.providerRef || outcome.status === 'unknown') continue;
      const key = (r.metadata as Record<string, unknown> | undefined)?.[STRIPE_KEY_FIELD];
      if (await this.refunds.applyProviderUpdate('stripe', outcome as typeof outcome & { providerRef: string }, typeof key === 'string' ? key : null, actor)) n++;
    }
    return { status: n ? 'ok' : 'ignored', refunds: n };
  }

  /**
   * POST /webhooks/yookassa. YooKassa signs nothing (https://yookassa.ru/developers/using-api/webhooks): it
   * advises checking the sender's IP against its published list and the object's status through the API. We do
   * both: a sender outside YOOKASSA_WEBHOOK_IPS is 403, and the notification's body is only a hint: the refund is
   * fetched again (GET /v3/refunds/{id}) and its status there is what is recorded. A refund YooKassa does not know
   * is 400; YooKassa unreachable is 503, so it delivers the notification again later.
   */
  async yookassa(rawBody: Buffer | undefined, ip: string): Promise<RefundWebhookResult> {
    const adapter = this.adapters.yookassa();
    if (!adapter) throw new AppError('not_found', 'refunds.webhook_off', 'The YooKassa webhook is not configured (YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY)');
    if (!this.fromYookassa(ip)) throw new AppError('forbidden', 'refunds.not_from_yookassa', 'The notification did not come from an address YooKassa sends from');
    const body = parseJsonObject(rawBody ?? Buffer.alloc(0));
    const event = typeof body.event === 'string' ? body.event : '';
    const id = (body.object as Record<string, unknown> | undefined)?.id;
    if (!event.startsWith('refund.')) return { status: 'ignored', refunds: 0 };
    if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) throw AppError.validation({ 'object.id': 'must be a refund id' }, 'The notification names no refund');
    const fetched = await adapter.fetchRefund(id);
    if (!fetched) throw new AppError('bad_request', 'refunds.unverified', `YooKassa does not confirm refund ${id}`);
    if (fetched.status === 'unknown') throw new AppError('unavailable', 'refunds.provider_unavailable', 'YooKassa could not be asked; deliver again later');
    const description = (body.object as Record<string, unknown>).description;
    const key = typeof description === 'string' && description.startsWith(yookassaDescription('')) ? description.slice(yookassaDescription('').length) : null;
    const done = await this.refunds.applyProviderUpdate('yookassa', fetched, key, { userId: null, label: 'webhook', ip });
    return { status: done ? 'ok' : 'ignored', refunds: done ? 1 : 0 };
  }

  private fromYookassa(ip: string): boolean {
    const addr = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const type = isIP(addr);
    return type !== 0 && this.yookassaIps.check(addr, type === 6 ? 'ipv6' : 'ipv4');
  }
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new AppError('bad_request', 'refunds.bad_body', 'The body is not a JSON object');
}
