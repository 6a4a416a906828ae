import { parseEndDate } from '../clients.views';
import { newClientFromForm } from './new-client.form';

describe('the add-client form', () => {
  it('takes the ticked products with their end dates and ignores a date typed for an unticked one', () => {
    expect(newClientFromForm({ email: 'a@example.com', name: 'A', locale: 'ru', grant_3: 'on', ends_3: '2030-01-31', ends_4: '2030-02-01', grant_5: 'on', welcome: 'on' })).toEqual({
      email: 'a@example.com',
      name: 'A',
      locale: 'ru',
      grants: [
        { productId: 3, endsAt: '2030-01-31' },
        { productId: 5, endsAt: '' },
      ],
      welcome: true,
    });
    expect(newClientFromForm({ email: 'b@example.com', grant_x: 'on', grant_1234567890: 'on' })).toMatchObject({ grants: [], welcome: false });
  });

  it('reads an end date as the end of that day, empty as forever, and refuses bad and past ones', () => {
    const now = new Date('2030-01-10T12:00:00Z');
    expect(parseEndDate('', 'UTC', now)).toBeNull();
    expect(parseEndDate(' 2030-01-10 ', 'UTC', now)).toEqual(new Date('2030-01-11T00:00:00Z'));
    expect(parseEndDate('2030-01-09', 'UTC', now)).toBe('past');
    expect(parseEndDate('2030-02-30', 'UTC', now)).toBe('bad');
    expect(parseEndDate('10.01.2030', 'UTC', now)).toBe('bad');
    // in the school's zone: 10 January ends at midnight in Yekaterinburg (UTC+5)
    expect(parseEndDate('2030-01-10', 'Asia/Yekaterinburg', now)).toEqual(new Date('2030-01-10T19:00:00Z'));
  });
});
