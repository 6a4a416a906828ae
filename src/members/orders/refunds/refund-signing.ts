import { hmacHex, safeEqual } from '../../../common/crypto';

/**
 * The `http` adapter's request signature: `X-Kabinet-Signature: sha256=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * with `X-Kabinet-Timestamp: <t>` (Unix seconds). The timestamp is inside the MAC, so a captured request cannot
 * be replayed later with a fresh timestamp; the receiver refuses one older than its tolerance.
 */
export function signHttpRefund(secret: string, timestamp: number, body: string): string {
  return `sha256=${hmacHex(secret, `${timestamp}.${body}`)}`;
}

export function verifyHttpRefund(secret: string, timestamp: string, body: string, signature: string, nowSec: number, toleranceSec = 300): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  return safeEqual(signature.trim().toLowerCase(), signHttpRefund(secret, Number(timestamp), body));
}

/**
 * Stripe's webhook signature, as Stripe documents it ("Verify webhook signatures manually",
 * https://docs.stripe.com/webhooks#verify-manually; the same scheme as stripe-node's `Webhooks.js`
 * `verifyHeader`, DEFAULT_TOLERANCE 300): the header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, each v1 an
 * HMAC-SHA256 with the endpoint secret over `<t>.<raw body>`; any one v1 matching, with t within the tolerance
 * (5 minutes), is valid. Other schemes (v0) are ignored.
 */
export function verifyStripeSignature(header: string | undefined, rawBody: Buffer, secret: string, nowSec: number, toleranceSec = 300): 'ok' | 'malformed' | 'stale' | 'mismatch' {
  if (!header) return 'malformed';
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1') v1.push(v.toLowerCase());
  }
  if (!t || !/^\d{1,12}$/.test(t) || !v1.length) return 'malformed';
  if (Math.abs(nowSec - Number(t)) > toleranceSec) return 'stale';
  const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${t}.`), rawBody]));
  return v1.some((s) => safeEqual(s, expected)) ? 'ok' : 'mismatch';
}

export function stripeSignatureHeader(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.${rawBody}`)}`;
}
