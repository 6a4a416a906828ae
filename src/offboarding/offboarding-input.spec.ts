import { AppError } from '../common/errors/app-error';
import { CaseInput } from './offboarding.contract';
import { checkCaseInput, readInput, storeInput } from './offboarding-input';
import { approvalFor } from './usecases/approval-rule';

const NOW = new Date('2026-12-02T10:00:00Z');
const base: CaseInput = { reason: ' Terms not kept ', evidence: [' /admin/tickets/1 ', ''], steps: ['ban', 'notice'], when: 'now' };
const fieldsOf = (f: () => unknown): Record<string, string> => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e.fields;
    throw e;
  }
  throw new Error('no error');
};

describe('offboarding input', () => {
  it('trims, orders the steps as they run, and reads a past moment as now', () => {
    const out = checkCaseInput({ ...base, when: new Date(NOW.getTime() - 1000) }, NOW);
    expect(out).toMatchObject({ reason: 'Terms not kept', evidence: ['/admin/tickets/1'], steps: ['notice', 'ban'], when: 'now', banDomain: false, banExpiresAt: null });
    const later = new Date(NOW.getTime() + 3600_000);
    expect(checkCaseInput({ ...base, when: later }, NOW).when).toEqual(later);
  });

  it('names every bad field at once', () => {
    const fields = fieldsOf(() =>
      checkCaseInput(
        {
          reason: ' ',
          evidence: [],
          steps: [],
          when: new Date('nope'),
          notice: { subject: 'a\nb', body: '' },
          refunds: [{ orderId: 1, amountMinor: -1 }, { orderId: 1, amountMinor: 5 }],
          grantIds: [0],
          banExpiresAt: new Date(NOW.getTime() - 1),
        },
        NOW,
      ),
    );
    expect(Object.keys(fields).sort()).toEqual(
      ['banExpiresAt', 'grantIds', 'notice.body', 'notice.subject', 'reason', 'refunds.0.amountMinor', 'refunds.1.orderId', 'steps', 'when'].sort(),
    );
    expect(fieldsOf(() => checkCaseInput({ ...base, steps: ['notice', 'nuke' as 'ban'] }, NOW))).toEqual({ steps: 'offboarding.errors.unknown_step' });
  });

  it('stores and reads back the dates', () => {
    const input = checkCaseInput({ ...base, when: new Date(NOW.getTime() + 1000), banExpiresAt: new Date(NOW.getTime() + 5000), refunds: [{ orderId: 3, amountMinor: 100 }] }, NOW);
    expect(readInput(storeInput(input))).toEqual(input);
  });
});

describe('the approval rule', () => {
  it('owners and admins never need approval; staff do, unless under the limit', () => {
    expect(approvalFor('owner', 10 ** 9, '')).toEqual({ required: false, why: null });
    expect(approvalFor('admin', null, '')).toEqual({ required: false, why: null });
    expect(approvalFor('staff', 0, '')).toEqual({ required: true, why: 'staff' });
    expect(approvalFor('staff', 5000, '5000')).toEqual({ required: false, why: null });
    expect(approvalFor('staff', 5001, '5000')).toEqual({ required: true, why: 'over_limit' });
    expect(approvalFor('staff', 0, '0')).toEqual({ required: false, why: null });
  });
});
