import { createUser } from '../factories/users';
import { Agent, loginAgent, startTestApp, TestApp } from '../utils/test-app';

describe('sortable list headers (clients)', () => {
  let t: TestApp;
  let staff: Agent;
  beforeAll(async () => {
    t = await startTestApp();
    const u = await createUser(t, { role: 'staff' });
    staff = await loginAgent(t, u.email, u.password);
    for (const [email, name] of [['b-sort@example.com', 'Вера'], ['c-sort@example.com', 'Анна'], ['a-sort@example.com', 'Борис']]) {
      await createUser(t, { role: 'client', email, name });
    }
  });
  afterAll(() => t.close());

  const order = (html: string) => [...html.matchAll(/>([abc])-sort@example\.com</g)].map((m) => m[1]).join('');

  it('orders by a column both ways, keeps the filters in the header links, and ignores an unknown key', async () => {
    expect(order((await staff.get('/admin/clients?q=sort').expect(200)).text)).toBe('acb'); // newest first by default
    expect(order((await staff.get('/admin/clients?q=sort&sort=email').expect(200)).text)).toBe('abc');
    expect(order((await staff.get('/admin/clients?q=sort&sort=-email').expect(200)).text)).toBe('cba');
    expect(order((await staff.get('/admin/clients?q=sort&sort=created').expect(200)).text)).toBe('bca');
    const byName = await staff.get('/admin/clients?q=sort&sort=name&offset=0').expect(200);
    expect(order(byName.text)).toBe('cab'); // Анна, Борис, Вера
    // the current column says so, and its link reverses it; the filter stays, the offset goes
    expect(byName.text).toContain('<th aria-sort="ascending"><a href="?q=sort&amp;sort=-name">');
    expect(byName.text).toContain('<th aria-sort="none"><a href="?q=sort&amp;sort=email">');
    expect(order((await staff.get('/admin/clients?q=sort&sort=password_hash').expect(200)).text)).toBe('acb');
  });
});
