import { AppError } from '../../common/errors/app-error';
import { parseOrderWebhook, toMinorUnits } from './order-webhook.parse';

describe('toMinorUnits', () => {
  it.each([
    ['1990.00', 199000],
    ['1990', 199000],
    ['0.29', 29],
    ['0.1', 10],
    ['9999999999999.99', 999999999999999],
  ])('%s → %d', (s, n) => expect(toMinorUnits(s)).toBe(n));

  it.each(['', '1.999', '-1', '1e3', '1,00', '.5', '10.', ' 1', '99999999999999'])('refuses %j', (s) => expect(toMinorUnits(s)).toBeNull());
});

describe('parseOrderWebhook', () => {
  it('needs only event and orderId for a refund', () => {
    expect(parseOrderWebhook({ event: 'order.refunded', orderId: ' A-1 ' })).toEqual({ event: 'order.refunded', orderId: 'A-1' });
  });

  it('names every bad field of a payment at once', () => {
    try {
      parseOrderWebhook(null);
      throw new Error('expected a validation error');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect(Object.keys((e as AppError).fields).sort()).toEqual(['amount', 'currency', 'email', 'event', 'orderId', 'paidAt', 'product']);
    }
  });
});
