import { randomBytes } from 'node:crypto';
import { FakeReply, FakeRequest, FakeServer } from './fake-server';

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string | null;
  charge: string | null;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  metadata: Record<string, string>;
  created: number;
  failure_reason?: string;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const err = (status: number, type: string, message: string, code?: string): FakeReply => ({ status, body: { error: { type, message, ...(code ? { code } : {}) } } });

/**
 * A local Stripe (https://docs.stripe.com/api/refunds): POST /v1/refunds form-encoded with Bearer auth and
 * Idempotency-Key, GET /v1/refunds/{id}, GET /v1/refunds?payment_intent=…|charge=…; errors `{error:{type,message}}`.
 * The same key with the same parameters answers the same refund; with other parameters it is 400
 * `idempotency_error`, as https://docs.stripe.com/api/idempotent_requests says.
 */
export class FakeStripe extends FakeServer {
  readonly payments = new Map<string, { amount: number; currency: string }>();
  readonly refunds = new Map<string, StripeRefund>();
  private readonly keys = new Map<string, { body: string; refundId: string }>();
  newStatus: StripeRefund['status'] = 'succeeded';

  constructor(readonly secretKey = 'sk_test_fake_0123456789') {
    super();
  }

  addPaymentIntent(amount: number, currency = 'usd'): string {
    const pi = id('pi');
    this.payments.set(pi, { amount, currency });
    return pi;
  }

  refundsOf(pi: string): StripeRefund[] {
    return [...this.refunds.values()].filter((r) => r.payment_intent === pi || r.charge === pi);
  }

  protected handle(req: FakeRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) return err(401, 'invalid_request_error', 'Invalid API Key provided');
    if (req.method === 'GET' && req.path === '/v1/refunds') {
      const pi = req.query.get('payment_intent') ?? req.query.get('charge');
      return { status: 200, body: { object: 'list', data: [...this.refunds.values()].filter((r) => !pi || r.payment_intent === pi || r.charge === pi), has_more: false } };
    }
    const one = /^\/v1\/refunds\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && one) {
      const r = this.refunds.get(one[1]);
      return r ? { status: 200, body: r } : err(404, 'invalid_request_error', `No such refund: '${one[1]}'`, 'resource_missing');
    }
    if (req.method === 'POST' && req.path === '/v1/refunds') return this.create(req);
    return err(404, 'invalid_request_error', 'Unrecognized request URL');
  }

  private create(req: FakeRequest): FakeReply {
    const key = String(req.headers['idempotency-key'] ?? '');
    const seen = key ? this.keys.get(key) : undefined;
    if (seen) {
      if (seen.body !== req.body) return err(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
      return { status: 200, body: this.refunds.get(seen.refundId) };
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return err(400, 'invalid_request_error', 'Form-encoded body expected');
    const fault = this.takeFault();
    if (fault === '500-before') return err(500, 'api_error', 'An unknown error occurred');
    if (fault === '429') return err(429, 'invalid_request_error', 'Too many requests', 'rate_limit');
    const form = new URLSearchParams(req.body);
    const pi = form.get('payment_intent') ?? form.get('charge') ?? '';
    const payment = this.payments.get(pi);
    if (!payment) return err(404, 'invalid_request_error', `No such payment_intent: '${pi}'`, 'resource_missing');
    const amount = Number(form.get('amount') ?? payment.amount);
    const refunded = this.refundsOf(pi).filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((s, r) => s + r.amount, 0);
    if (!Number.isInteger(amount) || amount <= 0 || refunded + amount > payment.amount) return err(400, 'invalid_request_error', `Refund amount ($${amount / 100}) is greater than unrefunded amount`, 'amount_too_large');
    const metadata: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) metadata[m[1]] = v;
    }
    const refund: StripeRefund = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: payment.currency,
      payment_intent: form.has('payment_intent') ? pi : null,
      charge: form.has('charge') ? pi : null,
      status: this.newStatus,
      metadata,
      created: Math.floor(Date.now() / 1000),
    };
    this.refunds.set(refund.id, refund);
    if (key) this.keys.set(key, { body: req.body, refundId: refund.id });
    if (fault === '500-after') return err(500, 'api_error', 'An unknown error occurred');
    if (fault === 'timeout') return { status: 200, body: refund, delayMs: this.holdMs };
    return { status: 200, body: refund };
  }
}
