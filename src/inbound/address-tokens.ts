import { createHmac } from 'node:crypto';
import { safeEqual } from '../common/crypto';
import type { AppConfig } from '../config/config';

/**
 * Signed local parts of the addresses kabinet receives mail at: `reply+<token>@INBOUND_DOMAIN` (tickets) and
 * `bounce+<token>@INBOUND_DOMAIN` (the VERP return path of outgoing mail).
 *
 * token = `<ref>-<issued>-<sig>`:
 *  - ref: what the address names, chosen by the feature (`r123` a campaign recipient row, `o45` an outbox message, …);
 *  - issued: the day it was made (days since 1970, base 36), so a verifier can refuse an old one;
 *  - sig: 80 bits of HMAC-SHA256(SECRET_KEY) over purpose, ref and day, in lower-case base32.
 * Everything is lower case digits and letters: some MTAs lower-case local parts, and a reader lower-cases what
 * it gets, so a token survives that. The purpose is inside the HMAC, so a bounce token is no reply token.
 */
export type AddressPurpose = 'reply' | 'bounce';

export type TokenCheck =
  | { ok: true; ref: string; issuedAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

const DAY_MS = 86_400_000;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN = /^([a-z][a-z0-9]{0,23})-([0-9a-z]{1,6})-([a-z2-7]{16})$/;

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export class AddressTokens {
  constructor(private readonly secret: string) {}

  private sign(purpose: AddressPurpose, ref: string, day: string): string {
    return base32(createHmac('sha256', this.secret).update(`inbound:${purpose}:${ref}-${day}`).digest().subarray(0, 10));
  }

  /** `ref`: a lower-case letter, then up to 23 lower-case letters or digits. */
  make(purpose: AddressPurpose, ref: string, at = new Date()): string {
    if (!/^[a-z][a-z0-9]{0,23}$/.test(ref)) throw new Error(`address token ref must be [a-z][a-z0-9]{0,23}, got "${ref}"`);
    const day = Math.floor(at.getTime() / DAY_MS).toString(36);
    return `${ref}-${day}-${this.sign(purpose, ref, day)}`;
  }

  /** `maxAgeDays`: how long the purpose honours a token; a day from the future (clock skew beyond one day) is forged. */
  verify(purpose: AddressPurpose, token: string, maxAgeDays: number, now = new Date()): TokenCheck {
    const m = TOKEN.exec((token ?? '').toLowerCase());
    if (!m) return { ok: false, reason: 'malformed' };
    const [, ref, day, sig] = m;
    if (!safeEqual(sig, this.sign(purpose, ref, day))) return { ok: false, reason: 'forged' };
    const issued = parseInt(day, 36);
    const today = Math.floor(now.getTime() / DAY_MS);
    if (issued > today + 1) return { ok: false, reason: 'forged' };
    if (today - issued > maxAgeDays) return { ok: false, reason: 'expired' };
    return { ok: true, ref, issuedAt: new Date(issued * DAY_MS) };
  }
}

/** `purpose+token@domain`. */
export function signedAddress(tokens: AddressTokens, domain: string, purpose: AddressPurpose, ref: string, at?: Date): string {
  return `${purpose}+${tokens.make(purpose, ref, at)}@${domain}`;
}

/**
 * The VERP envelope sender of an outgoing mail (`bounce+<token>@INBOUND_DOMAIN`), or null when the inbound
 * listener is not configured (then nobody would read the bounces, and the MTA's default return path stays).
 */
export function bounceAddress(config: AppConfig, tokens: AddressTokens, ref: string, at?: Date): string | null {
  return config.inbound.port === null ? null : signedAddress(tokens, config.inbound.domain, 'bounce', ref, at);
}

/** A recipient address as handlers see it: lower-cased, split at the first `+` of the local part. */
export interface InboundAddress {
  address: string;
  local: string;
  domain: string;
  /** The local part before `+` (the whole local part when there is none). */
  base: string;
  /** After the first `+`, or null. */
  tag: string | null;
}

export function parseAddress(raw: string): InboundAddress | null {
  const address = (raw ?? '').trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const plus = local.indexOf('+');
  return { address, local, domain, base: plus < 0 ? local : local.slice(0, plus), tag: plus < 0 ? null : local.slice(plus + 1) };
}
