import { afterFailedAttempt, MAX_RETRY_DELAY_MS } from './retry-policy';

const config = { mailRetryBaseMs: 30_000, mailMaxAttempts: 4 };
const now = new Date('2026-03-04T05:00:00.000Z');
const smtpError = (responseCode: number, response: string) => Object.assign(new Error(response), { responseCode, response });

describe('the retry rule for outgoing mail', () => {
  it('gives up at once on a 5xx reply, whatever the attempt', () => {
    expect(afterFailedAttempt(smtpError(550, '550 no such user'), 0, config, now)).toEqual({ kind: 'permanent', error: '550 550 no such user' });
  });

  it('retries a temporary failure with a doubling delay until the attempts run out', () => {
    const at = (attemptsBefore: number) => {
      const r = afterFailedAttempt(smtpError(451, 'greylisted'), attemptsBefore, config, now);
      return r.kind === 'retry' ? r.at.getTime() - now.getTime() : r.kind;
    };
    expect([0, 1, 2, 3].map(at)).toEqual([30_000, 60_000, 120_000, 'exhausted']);
  });

  it('treats a connection error (no reply code) as temporary', () => {
    const r = afterFailedAttempt(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 0, config, now);
    expect(r).toMatchObject({ kind: 'retry', error: 'ECONNREFUSED connect ECONNREFUSED' });
  });

  it('never waits longer than six hours between attempts', () => {
    const r = afterFailedAttempt(smtpError(421, 'busy'), 30, { mailRetryBaseMs: 30_000, mailMaxAttempts: 100 }, now);
    expect(r.kind === 'retry' && r.at.getTime() - now.getTime()).toBe(MAX_RETRY_DELAY_MS);
  });
});
