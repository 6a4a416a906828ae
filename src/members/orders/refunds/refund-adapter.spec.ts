import { nextRefundStatus } from './refund-adapter';

describe('nextRefundStatus', () => {
  it('moves up only; a final status never changes', () => {
    expect(nextRefundStatus('started', 'unknown')).toBe('unknown');
    expect(nextRefundStatus('started', 'succeeded')).toBe('succeeded');
    expect(nextRefundStatus('unknown', 'pending')).toBe('pending');
    expect(nextRefundStatus('pending', 'unknown')).toBe('pending');
    expect(nextRefundStatus('pending', 'failed')).toBe('failed');
    expect(nextRefundStatus('succeeded', 'pending')).toBe('succeeded');
    expect(nextRefundStatus('succeeded', 'failed')).toBe('succeeded');
    expect(nextRefundStatus('failed', 'succeeded')).toBe('failed');
  });
});
