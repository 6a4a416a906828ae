import { AppError } from '../common/errors/app-error';
import { parseUntil } from '../common/time/zoned-time';
import { BanState } from './bans.repository';

/** `YYYY-MM-DD` (through the end of that day in `zone`), a local time, or an instant; empty = no expiry. */
export function parseExpiry(v: string | null | undefined, zone: string): Date | null {
  const s = (v ?? '').trim();
  if (!s) return null;
  const r = parseUntil(s, zone);
  if (!r.ok) throw AppError.validation({ expiresAt: 'bans.errors.expiry_invalid' });
  return r.at;
}

export function parseBanState(v: string | undefined): BanState | undefined {
  if (v === undefined || v === '' || v === 'all') return undefined;
  if (v === 'active' || v === 'lifted' || v === 'expired') return v;
  throw AppError.validation({ state: 'must be one of active, lifted, expired' });
}
