import type { AppConfig } from '../config/config';
import { describeSmtpError, isPermanentFailure } from './mail-transport';

/** The longest wait between two attempts, however many there were. */
export const MAX_RETRY_DELAY_MS = 6 * 3600_000;

/**
 * What a failed delivery attempt leads to:
 * - `permanent`: a 5xx reply; the address or the content is refused, trying again would not help;
 * - `exhausted`: a temporary failure, but it was the last of MAIL_MAX_ATTEMPTS;
 * - `retry`: a temporary failure (4xx, connection error); try again at `at`.
 * `error` is the failure as one line for the operator.
 */
export type FailedAttempt = { kind: 'permanent' | 'exhausted'; error: string } | { kind: 'retry'; error: string; at: Date };

/**
 * The one retry rule for all outgoing mail, transactional (the outbox relay) and marketing (the campaign sender):
 * exponential backoff from MAIL_RETRY_BASE_MS, doubling per attempt, at most MAX_RETRY_DELAY_MS apart, until
 * MAIL_MAX_ATTEMPTS. `attemptsBefore` counts the attempts made before the one that just failed.
 */
export function afterFailedAttempt(
  e: unknown,
  attemptsBefore: number,
  config: Pick<AppConfig, 'mailRetryBaseMs' | 'mailMaxAttempts'>,
  now: Date,
): FailedAttempt {
  const error = describeSmtpError(e);
  if (isPermanentFailure(e)) return { kind: 'permanent', error };
  if (attemptsBefore + 1 >= config.mailMaxAttempts) return { kind: 'exhausted', error };
  return { kind: 'retry', error, at: new Date(now.getTime() + retryDelayMs(attemptsBefore, config.mailRetryBaseMs)) };
}

/** The wait before the next attempt, after `attemptsBefore + 1` failed ones. */
export function retryDelayMs(attemptsBefore: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** attemptsBefore, MAX_RETRY_DELAY_MS);
}
