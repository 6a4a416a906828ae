import { randomBytes } from 'node:crypto';
import { verifyHttpRefund } from '../../src/members/orders/refunds/refund-signing';
import { FakeReply, FakeRequest, FakeServer } from './fake-server';

interface Made {
  body: string;
  refund: { status: 'pending' | 'succeeded' | 'failed'; providerRef: string };
}

/** The seller's refund endpoint as README → "Refunds" → "The http adapter" describes it. */
export class FakeRefundEndpoint extends FakeServer {
  readonly made = new Map<string, Made>();
  badSignatures = 0;

  constructor(readonly secret = 'refund-http-secret-0123456789') {
    super();
  }

  protected handle(req: FakeRequest): FakeReply {
    const ts = String(req.headers['x-kabinet-timestamp'] ?? '');
    const sig = String(req.headers['x-kabinet-signature'] ?? '');
    if (!verifyHttpRefund(this.secret, ts, req.body, sig, Math.floor(Date.now() / 1000))) {
      this.badSignatures++;
      return { status: 401, body: { error: 'bad signature' } };
    }
    const b = JSON.parse(req.body) as { type: string; key: string; amountMinor?: number; orderRef?: string; currency?: string };
    if (req.headers['idempotency-key'] !== b.key) return { status: 400, body: { error: 'Idempotency-Key differs from the key' } };
    if (b.type === 'lookup') {
      const m = this.made.get(b.key);
      return m ? { status: 200, body: m.refund } : { status: 404, body: { error: 'no such refund' } };
    }
    const seen = this.made.get(b.key);
    const { type: _t, ...params } = b;
    const paramsText = JSON.stringify(params);
    if (seen) return seen.body === paramsText ? { status: 200, body: seen.refund } : { status: 409, body: { error: 'key reused with other parameters' } };
    const fault = this.takeFault();
    if (fault === '500-before') return { status: 500, body: { error: 'oops' } };
    const refund = { status: 'succeeded' as const, providerRef: `seller-${randomBytes(4).toString('hex')}` };
    this.made.set(b.key, { body: paramsText, refund });
    if (fault === '500-after') return { status: 500, body: { error: 'oops' } };
    if (fault === 'timeout') return { status: 200, body: refund, delayMs: this.holdMs };
    return { status: 201, body: refund };
  }
}
