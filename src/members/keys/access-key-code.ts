import { randomBytes } from 'node:crypto';

/** 32 symbols without 0/O and 1/I: easy to read and type; a power of two, so `byte & 31` has no bias. */
export const KEY_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

const GROUPS = 4;
const GROUP_LEN = 4;

/** XXXX-XXXX-XXXX-XXXX from crypto randomness: 80 bits, beyond guessing even without the throttle. */
export function generateCode(): string {
  const bytes = randomBytes(GROUPS * GROUP_LEN);
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i && i % GROUP_LEN === 0) s += '-';
    s += KEY_ALPHABET[bytes[i] & 31];
  }
  return s;
}

/** What people type ("abcd efgh-ijkl mnop") to the stored form, or null if it cannot be a key. */
export function normaliseCode(input: string): string | null {
  const raw = input.toUpperCase().replace(/[\s\-–—_]/g, '');
  if (raw.length !== GROUPS * GROUP_LEN || ![...raw].every((ch) => KEY_ALPHABET.includes(ch))) return null;
  return raw.match(/.{4}/g)!.join('-');
}
