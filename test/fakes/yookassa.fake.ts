import { randomUUID } from 'node:crypto';
import { FakeReply, FakeRequest, FakeServer } from './fake-server';

export interface YkRefund {
  id: string;
  payment_id: string;
  status: 'pending' | 'succeeded' | 'canceled';
  created_at: string;
  amount: { value: string; currency: string };
  description?: string;
  cancellation_details?: { party: string; reason: string };
}

interface YkPayment {
  id: string;
  amountMinor: number;
  currency: string;
}

const err = (status: number, code: string, description: string, parameter?: string): FakeReply => ({ status, body: { type: 'error', id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) } });
const toMinor = (v: string) => Math.round(Number(v) * 100);

/**
 * A local YooKassa (https://yookassa.ru/developers/api): POST /v3/refunds with Basic auth and Idempotence-Key,
 * GET /v3/refunds/{id}, GET /v3/refunds?payment_id=…; error bodies `{type:"error",code,description}`. Keys are
 * remembered: the same key and body answer the same refund; the same key with another body is 400
 * invalid_request. A refund over what is left of the payment is 400.
 */
export class FakeYookassa extends FakeServer {
  readonly payments = new Map<string, YkPayment>();
  readonly refunds = new Map<string, YkRefund>();
  private readonly keys = new Map<string, { body: string; refundId: string }>();
  /** The status a new refund gets. */
  newStatus: YkRefund['status'] = 'succeeded';

  constructor(
    readonly shopId = '123456',
    readonly secretKey = 'test_secret_key',
  ) {
    super();
  }

  addPayment(amountMinor: number, currency = 'RUB'): string {
    const id = `2d${randomUUID().slice(2)}`;
    this.payments.set(id, { id, amountMinor, currency });
    return id;
  }

  refundsOf(paymentId: string): YkRefund[] {
    return [...this.refunds.values()].filter((r) => r.payment_id === paymentId);
  }

  setStatus(id: string, status: YkRefund['status']): YkRefund {
    const r = this.refunds.get(id)!;
    r.status = status;
    return r;
  }

  protected handle(req: FakeRequest): FakeReply {
    const auth = `Basic ${Buffer.from(`${this.shopId}:${this.secretKey}`).toString('base64')}`;
    if (req.headers.authorization !== auth) return err(401, 'invalid_credentials', 'Login or password is incorrect');
    if (req.method === 'GET' && req.path === '/v3/refunds') {
      const pid = req.query.get('payment_id');
      return { status: 200, body: { type: 'list', items: [...this.refunds.values()].filter((r) => !pid || r.payment_id === pid) } };
    }
    const one = /^\/v3\/refunds\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && one) {
      const r = this.refunds.get(decodeURIComponent(one[1]));
      return r ? { status: 200, body: r } : err(404, 'not_found', 'Refund not found');
    }
    if (req.method === 'POST' && req.path === '/v3/refunds') return this.create(req);
    return err(404, 'not_found', 'No such endpoint');
  }

  private create(req: FakeRequest): FakeReply {
    const key = String(req.headers['idempotence-key'] ?? '');
    if (!key) return err(400, 'invalid_request', 'Idempotence key is missing', 'Idempotence-Key');
    const seen = this.keys.get(key);
    if (seen) {
      if (seen.body !== req.body) return err(400, 'invalid_request', 'Idempotence key duplicated', 'Idempotence-Key');
      return { status: 200, body: this.refunds.get(seen.refundId) };
    }
    const fault = this.takeFault();
    if (fault === '500-before') return err(500, 'internal_server_error', 'Internal server error');
    if (fault === '429') return err(429, 'too_many_requests', 'Too many requests');
    let b: { payment_id?: string; amount?: { value?: string; currency?: string }; description?: string };
    try {
      b = JSON.parse(req.body);
    } catch {
      return err(400, 'invalid_request', 'Body is not JSON');
    }
    const payment = this.payments.get(b.payment_id ?? '');
    if (!payment) return err(400, 'invalid_request', 'Payment not found', 'payment_id');
    if (!b.amount?.value || !/^\d+\.\d{2}$/.test(b.amount.value) || b.amount.currency !== payment.currency) return err(400, 'invalid_request', 'Invalid amount', 'amount');
    const refunded = this.refundsOf(payment.id).filter((r) => r.status !== 'canceled').reduce((s, r) => s + toMinor(r.amount.value), 0);
    if (refunded + toMinor(b.amount.value) > payment.amountMinor) return err(400, 'invalid_request', 'Refund amount exceeds the payment amount', 'amount.value');
    const refund: YkRefund = { id: randomUUID(), payment_id: payment.id, status: this.newStatus, created_at: new Date().toISOString(), amount: { value: b.amount.value, currency: b.amount.currency }, ...(b.description ? { description: b.description } : {}) };
    this.refunds.set(refund.id, refund);
    this.keys.set(key, { body: req.body, refundId: refund.id });
    if (fault === '500-after') return err(500, 'internal_server_error', 'Internal server error');
    if (fault === 'timeout') return { status: 200, body: refund, delayMs: this.holdMs };
    return { status: 200, body: refund };
  }
}
