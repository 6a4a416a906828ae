import { RefundAdapter, RefundOutcome, RefundRequest } from '../refund-adapter';
import { signHttpRefund } from '../refund-signing';
import { callProvider, clip, str } from './provider-call';

export interface HttpRefundConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

/**
 * A signed JSON request to the seller's own endpoint (README → "Refunds" → "The http adapter"):
 * `POST REFUND_HTTP_URL` with `{"type":"refund","key","orderRef","amountMinor","currency"}` or
 * `{"type":"lookup","key"}`, headers `Idempotency-Key`, `X-Kabinet-Timestamp` and `X-Kabinet-Signature`
 * (refund-signing.ts). It answers `{"status":"pending"|"succeeded"|"failed","providerRef"?,"error"?}`, a lookup of
 * an unknown key 404.
 */
export class HttpRefundAdapter implements RefundAdapter {
  readonly name = 'http' as const;
  constructor(
    private readonly config: HttpRefundConfig,
    private readonly now: () => number = () => Date.now(),
  ) {}

  refund(req: RefundRequest): Promise<RefundOutcome> {
    return this.send(req.key, { type: 'refund', key: req.key, orderRef: req.orderRef, amountMinor: req.amountMinor, currency: req.currency }) as Promise<RefundOutcome>;
  }

  lookup(key: string): Promise<RefundOutcome | null> {
    return this.send(key, { type: 'lookup', key }, true);
  }

  private async send(key: string, payload: Record<string, unknown>, lookup = false): Promise<RefundOutcome | null> {
    const body = JSON.stringify(payload);
    const ts = Math.floor(this.now() / 1000);
    const a = await callProvider(this.config.url, {
      method: 'POST',
      timeoutMs: this.config.timeoutMs,
      body,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': key,
        'X-Kabinet-Timestamp': String(ts),
        'X-Kabinet-Signature': signHttpRefund(this.config.secret, ts, body),
      },
    });
    if (a.status === 0) return { status: 'unknown', error: a.error };
    if (lookup && a.status === 404) return null;
    if (a.status >= 500 || a.status === 429 || a.status === 408) return { status: 'unknown', error: `HTTP ${a.status}` };
    const status = str(a.json?.status);
    const error = str(a.json?.error);
    if (a.status >= 400) return { status: 'failed', error: clip(`HTTP ${a.status}${error ? `: ${error}` : ''}`) };
    if (status !== 'pending' && status !== 'succeeded' && status !== 'failed') return { status: 'unknown', error: `HTTP ${a.status} without a status the adapter knows` };
    const providerRef = str(a.json?.providerRef);
    return { status, ...(providerRef ? { providerRef: clip(providerRef, 191) } : {}), ...(error ? { error: clip(error) } : {}) };
  }
}
