import { MailingTokens } from './mailing-tokens';

describe('MailingTokens', () => {
  const tokens = new MailingTokens('k'.repeat(40));

  it('round-trips an unsubscribe target', () => {
    const t = tokens.unsubscribe({ subscriberId: 12345, campaignId: 7, listId: 0 });
    expect(tokens.readUnsubscribe(t)).toEqual({ subscriberId: 12345, campaignId: 7, listId: 0 });
  });

  it('refuses a token altered to point at another subscriber, or signed with another key', () => {
    const t = tokens.unsubscribe({ subscriberId: 5, campaignId: 1, listId: 2 });
    const forged = t.replace(/^5\./, '6.');
    expect(tokens.readUnsubscribe(forged)).toBeNull();
    expect(new MailingTokens('x'.repeat(40)).readUnsubscribe(t)).toBeNull();
    expect(tokens.readUnsubscribe('garbage')).toBeNull();
    expect(tokens.readUnsubscribe('')).toBeNull();
  });

  it('keeps unsubscribe and preferences tokens apart', () => {
    const p = tokens.preferences(5);
    expect(tokens.readPreferences(p)).toBe(5);
    expect(tokens.readUnsubscribe(p)).toBeNull();
    const u = tokens.unsubscribe({ subscriberId: 5, campaignId: 0, listId: 0 });
    expect(tokens.readPreferences(u)).toBeNull();
  });
});
