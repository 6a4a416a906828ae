import { RefundAdapter, RefundOutcome, RefundRequest } from '../refund-adapter';
import { callProvider, clip, minorToDecimal, ProviderAnswer, str } from './provider-call';

export interface YookassaConfig {
  shopId: string;
  secretKey: string;
  /** `https://api.yookassa.ru/v3` unless YOOKASSA_API_URL says otherwise (the tests' fake). */
  apiUrl: string;
  timeoutMs: number;
}

/** The refund description carries the key, so a lookup can find the refund among the payment's refunds after the provider has forgotten the key. */
export const yookassaDescription = (key: string): string => `kabinet ${key}`.slice(0, 250);

/**
 * YooKassa's refunds API, as documented at https://yookassa.ru/developers/api#create_refund (POST /v3/refunds,
 * Basic auth shopId:secretKey, `Idempotence-Key` header, body `{payment_id, amount:{value:"10.00",currency}}`),
 * #get_refund (GET /v3/refunds/{id}) and #get_refunds_list (GET /v3/refunds?payment_id=…), with the status codes of
 * https://yookassa.ru/developers/using-api/response-handling/response-codes:
 * - 200 with a refund object, status `pending`, `succeeded` or `canceled` (`cancellation_details.reason` says why);
 * - 202: accepted, still being processed; repeat the same request (same key) later → unknown;
 * - 500 (or no answer in time): "the outcome is unknown", repeat with the same Idempotence-Key → unknown;
 * - 429 too_many_requests: nothing happened, repeat later → unknown (repeated with the same key);
 * - 400 invalid_request (also a key reused with other data), 401 invalid_credentials, 403 forbidden,
 *   404 not_found: refused, nothing created → failed, with the code and description.
 * The docs keep an idempotence key for 24 hours; after that the same key would make a second refund, which is why
 * a resume always looks up first, by the refund id when one was recorded, else among the payment's refunds by the
 * description that carries the key.
 */
export class YookassaRefundAdapter implements RefundAdapter {
  readonly name = 'yookassa' as const;
  constructor(private readonly config: YookassaConfig) {}

  async refund(req: RefundRequest): Promise<RefundOutcome> {
    const body = JSON.stringify({
      payment_id: req.orderRef,
      amount: { value: minorToDecimal(req.amountMinor), currency: req.currency },
      description: yookassaDescription(req.key),
    });
    const a = await this.call('POST', '/refunds', body, req.key);
    return this.outcome(a);
  }

  async lookup(key: string, req: RefundRequest & { providerRef: string | null }): Promise<RefundOutcome | null> {
    if (req.providerRef) {
      const a = await this.call('GET', `/refunds/${encodeURIComponent(req.providerRef)}`);
      if (a.status === 404) return null;
      return this.outcome(a, true);
    }
    const a = await this.call('GET', `/refunds?payment_id=${encodeURIComponent(req.orderRef)}&limit=100`);
    if (a.status !== 200) return { status: 'unknown', error: errorText(a) };
    const items = Array.isArray(a.json?.items) ? (a.json!.items as Record<string, unknown>[]) : [];
    const mine = items.find((r) => r && r.description === yookassaDescription(key));
    return mine ? refundOutcome(mine) : null;
  }

  /** GET /v3/refunds/{id}: what a notification says is never believed, only what this answers. */
  async fetchRefund(id: string): Promise<(RefundOutcome & { providerRef: string }) | null> {
    const a = await this.call('GET', `/refunds/${encodeURIComponent(id)}`);
    if (a.status !== 200 || !a.json) return null;
    const o = refundOutcome(a.json);
    return o.providerRef ? (o as RefundOutcome & { providerRef: string }) : null;
  }

  private call(method: 'GET' | 'POST', path: string, body?: string, key?: string): Promise<ProviderAnswer> {
    const auth = Buffer.from(`${this.config.shopId}:${this.config.secretKey}`).toString('base64');
    return callProvider(`${this.config.apiUrl}${path}`, {
      method,
      body,
      timeoutMs: this.config.timeoutMs,
      headers: { Authorization: `Basic ${auth}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(key ? { 'Idempotence-Key': key } : {}) },
    });
  }

  private outcome(a: ProviderAnswer, lookup = false): RefundOutcome {
    if (a.status === 200 && a.json) return refundOutcome(a.json);
    if (a.status === 0 || a.status === 202 || a.status === 429 || a.status >= 500) return { status: 'unknown', error: errorText(a) };
    if (lookup) return { status: 'unknown', error: errorText(a) };
    return { status: 'failed', error: errorText(a) };
  }
}

function refundOutcome(r: Record<string, unknown>): RefundOutcome {
  const providerRef = str(r.id);
  const ref = providerRef ? { providerRef } : {};
  switch (r.status) {
    case 'succeeded':
      return { status: 'succeeded', ...ref };
    case 'pending':
      return { status: 'pending', ...ref };
    case 'canceled': {
      const d = (r.cancellation_details ?? {}) as Record<string, unknown>;
      return { status: 'failed', ...ref, error: clip(`canceled${d.reason ? `: ${String(d.reason)}` : ''}${d.party ? ` (${String(d.party)})` : ''}`) };
    }
    default:
      return { status: 'unknown', ...ref, error: `unexpected refund status ${JSON.stringify(r.status)}` };
  }
}

function errorText(a: ProviderAnswer): string {
  if (a.status === 0) return a.error ?? 'no answer';
  const code = str(a.json?.code);
  const description = str(a.json?.description);
  return clip(`HTTP ${a.status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}`);
}
