import { createHmac } from 'node:crypto';
import { signHttpRefund, stripeSignatureHeader, verifyHttpRefund, verifyStripeSignature } from './refund-signing';

const SECRET = 'whsec_test_0123456789';
const body = '{"id":"evt_1","type":"refund.updated"}';

describe('Stripe webhook signature', () => {
  const now = 1_800_000_000;
  it('accepts the documented scheme: v1 = hex HMAC-SHA256 over "t.payload"', () => {
    const v1 = createHmac('sha256', SECRET).update(`${now}.${body}`).digest('hex');
    expect(verifyStripeSignature(`t=${now},v1=${v1}`, Buffer.from(body), SECRET, now)).toBe('ok');
    expect(stripeSignatureHeader(SECRET, now, body)).toBe(`t=${now},v1=${v1}`);
    // several v1 values (secret rotation) and a v0 are allowed; one matching is enough
    expect(verifyStripeSignature(`t=${now},v1=${'0'.repeat(64)},v1=${v1},v0=abc`, Buffer.from(body), SECRET, now)).toBe('ok');
  });
  it('refuses another body, another secret, a missing part and a timestamp outside 5 minutes', () => {
    const h = stripeSignatureHeader(SECRET, now, body);
    expect(verifyStripeSignature(h, Buffer.from(`${body} `), SECRET, now)).toBe('mismatch');
    expect(verifyStripeSignature(h, Buffer.from(body), 'whsec_other_0123456789', now)).toBe('mismatch');
    expect(verifyStripeSignature(undefined, Buffer.from(body), SECRET, now)).toBe('malformed');
    expect(verifyStripeSignature(`t=${now}`, Buffer.from(body), SECRET, now)).toBe('malformed');
    expect(verifyStripeSignature('v1=abc', Buffer.from(body), SECRET, now)).toBe('malformed');
    expect(verifyStripeSignature(h, Buffer.from(body), SECRET, now + 301)).toBe('stale');
    expect(verifyStripeSignature(h, Buffer.from(body), SECRET, now + 299)).toBe('ok');
  });
});

describe('http adapter signature', () => {
  it('signs "<timestamp>.<body>" and refuses a changed timestamp or body', () => {
    const sig = signHttpRefund(SECRET, 1000, body);
    expect(sig).toBe(`sha256=${createHmac('sha256', SECRET).update(`1000.${body}`).digest('hex')}`);
    expect(verifyHttpRefund(SECRET, '1000', body, sig, 1000)).toBe(true);
    expect(verifyHttpRefund(SECRET, '1001', body, sig, 1000)).toBe(false);
    expect(verifyHttpRefund(SECRET, '1000', `${body}x`, sig, 1000)).toBe(false);
    expect(verifyHttpRefund(SECRET, '1000', body, sig, 1400)).toBe(false);
  });
});
