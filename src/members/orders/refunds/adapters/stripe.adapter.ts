import { RefundAdapter, RefundOutcome, RefundRequest } from '../refund-adapter';
import { callProvider, clip, ProviderAnswer, str } from './provider-call';

export interface StripeConfig {
  secretKey: string;
  /** `https://api.stripe.com/v1` unless STRIPE_API_URL says otherwise (the tests' fake). */
  apiUrl: string;
  timeoutMs: number;
}

/** The metadata field that carries the key, so a lookup finds the refund after Stripe has forgotten the key. */
export const STRIPE_KEY_FIELD = 'kabinet_key';

/**
 * Stripe's refunds API, as documented at https://docs.stripe.com/api/refunds/create (POST /v1/refunds,
 * form-encoded, `payment_intent` or `charge`, `amount` in the smallest unit, `metadata[…]`; Bearer secret key),
 * https://docs.stripe.com/api/refunds/retrieve, https://docs.stripe.com/api/refunds/list (`?payment_intent=` or
 * `?charge=`), https://docs.stripe.com/api/idempotent_requests (`Idempotency-Key`, kept at least 24 hours; the
 * same key with other parameters is a 400 `idempotency_error`) and https://docs.stripe.com/api/errors:
 * - 200 with a refund object, status `pending`, `requires_action` (→ pending), `succeeded`, `failed`, `canceled`
 *   (→ failed, with `failure_reason`);
 * - 5xx, or no answer in time: the outcome is unknown; repeat with the same key (stripe-node does the same);
 * - 429 rate limit: nothing happened, repeat later → unknown;
 * - 400/401/402/403/404 (invalid_request_error, idempotency_error, card_error…): refused → failed.
 */
export class StripeRefundAdapter implements RefundAdapter {
  readonly name = 'stripe' as const;
  constructor(private readonly config: StripeConfig) {}

  async refund(req: RefundRequest): Promise<RefundOutcome> {
    const form = new URLSearchParams();
    form.set(req.orderRef.startsWith('ch_') || req.orderRef.startsWith('py_') ? 'charge' : 'payment_intent', req.orderRef);
    form.set('amount', String(req.amountMinor));
    form.set(`metadata[${STRIPE_KEY_FIELD}]`, req.key);
    const a = await this.call('POST', '/refunds', form.toString(), req.key);
    if (a.status === 200 && a.json) {
      const currency = str(a.json.currency);
      if (currency && currency.toUpperCase() !== req.currency.toUpperCase()) return { ...refundOutcome(a.json), error: `Stripe refunded in ${currency.toUpperCase()}, the order is in ${req.currency}` };
    }
    return this.outcome(a);
  }

  async lookup(key: string, req: RefundRequest & { providerRef: string | null }): Promise<RefundOutcome | null> {
    if (req.providerRef) {
      const a = await this.call('GET', `/refunds/${encodeURIComponent(req.providerRef)}`);
      if (a.status === 404) return null;
      return this.outcome(a, true);
    }
    const by = req.orderRef.startsWith('ch_') || req.orderRef.startsWith('py_') ? 'charge' : 'payment_intent';
    const a = await this.call('GET', `/refunds?${by}=${encodeURIComponent(req.orderRef)}&limit=100`);
    if (a.status !== 200) return { status: 'unknown', error: errorText(a) };
    const items = Array.isArray(a.json?.data) ? (a.json!.data as Record<string, unknown>[]) : [];
    const mine = items.find((r) => ((r?.metadata ?? {}) as Record<string, unknown>)[STRIPE_KEY_FIELD] === key);
    return mine ? refundOutcome(mine) : null;
  }

  private call(method: 'GET' | 'POST', path: string, body?: string, key?: string): Promise<ProviderAnswer> {
    return callProvider(`${this.config.apiUrl}${path}`, {
      method,
      body,
      timeoutMs: this.config.timeoutMs,
      headers: {
        Authorization: `Bearer ${this.config.secretKey}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
    });
  }

  private outcome(a: ProviderAnswer, lookup = false): RefundOutcome {
    if (a.status === 200 && a.json) return refundOutcome(a.json);
    if (a.status === 0 || a.status === 429 || a.status >= 500 || lookup) return { status: 'unknown', error: errorText(a) };
    return { status: 'failed', error: errorText(a) };
  }
}

/** A Stripe refund object (from the API or from an event's `data.object`) as an outcome. */
export function refundOutcome(r: Record<string, unknown>): RefundOutcome {
  const providerRef = str(r.id);
  const ref = providerRef ? { providerRef } : {};
  switch (r.status) {
    case 'succeeded':
      return { status: 'succeeded', ...ref };
    case 'pending':
    case 'requires_action':
      return { status: 'pending', ...ref };
    case 'failed':
    case 'canceled':
      return { status: 'failed', ...ref, error: clip(`${String(r.status)}${r.failure_reason ? `: ${String(r.failure_reason)}` : ''}`) };
    default:
      return { status: 'unknown', ...ref, error: `unexpected refund status ${JSON.stringify(r.status)}` };
  }
}

function errorText(a: ProviderAnswer): string {
  if (a.status === 0) return a.error ?? 'no answer';
  const e = (a.json?.error ?? {}) as Record<string, unknown>;
  const type = str(e.type);
  const message = str(e.message);
  return clip(`HTTP ${a.status}${type ? ` ${type}` : ''}${message ? `: ${message}` : ''}`);
}
