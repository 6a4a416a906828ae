import request from 'supertest';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { createUser } from '../factories/users';
import { Agent, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/**
 * The outbox viewer shows a mail's HTML as a mail client would (its inline styles applied) in a sandboxed frame
 * whose document comes from a route of its own, with a CSP of its own; the page around it keeps the app's.
 */
describe('outbox viewer: the HTML in a sandboxed frame of its own', () => {
  let t: TestApp;
  let owner: Agent;
  let msg: OutboxMessage;
  const html =
    '<!doctype html><html><body><div style="display:none;max-height:0">Preheader text</div>' +
    '<p style="color:#b00">Styled</p><script>parent.document.title="owned"</script><img src="https://img.example/a.png" alt=""></body></html>';

  beforeAll(async () => {
    t = await startTestApp();
    await t.db.transaction((m) =>
      t.app.get(OutboxRepository).insert(m, {
        messageId: '<viewer.1@kabinet.test>',
        idempotencyKey: null,
        mailClass: 'marketing',
        template: 'campaign-test',
        locale: 'en',
        from: 'kabinet <noreply@kabinet.test>',
        to: 'reader@example.com',
        subject: 'Styled mail',
        html,
        text: 'Styled\n\nSecond paragraph',
        headers: '{}',
      }),
    );
    msg = await t.db.manager.findOneOrFail(OutboxMessage, { where: { to: 'reader@example.com' }, order: { id: 'DESC' } });
    const o = await createUser(t, { role: 'owner' });
    owner = await loginAgent(t, o.email, o.password);
  });
  afterAll(() => t.close());

  it('the page frames /admin/outbox/:id/html with sandbox (no scripts, no same origin) and keeps the strict CSP; the text part is beside', async () => {
    const page = await owner.get(`/admin/outbox/${msg.id}`).expect(200);
    const frame = /<iframe class="mail-frame"([^>]*)>/.exec(page.text)?.[1] ?? '';
    expect(frame).toContain(`src="/admin/outbox/${msg.id}/html"`);
    expect(frame).toMatch(/ sandbox[ >]/);
    expect(frame).not.toMatch(/allow-scripts|allow-same-origin|srcdoc/);
    expect(page.text).not.toContain('Preheader text');
    expect(page.text).toMatch(/<pre class="mail-text" data-test="mail-text"[^>]*>Styled\n\nSecond paragraph<\/pre>/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    // the old address of the text tab shows the same page
    expect((await owner.get(`/admin/outbox/${msg.id}?view=text`).expect(200)).text).toContain(`/admin/outbox/${msg.id}/html`);
  });

  it("the frame's route answers the mail's HTML under its own CSP: inline styles, no scripts, framed by our pages only", async () => {
    const res = await owner.get(`/admin/outbox/${msg.id}/html`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toBe(html);
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives.has('sandbox')).toBe(true);
    expect(directives.get('sandbox')).toBe('');
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('style-src')).toBe("'unsafe-inline'");
    expect(directives.get('img-src')).toBe('data: https:');
    expect(directives.get('frame-ancestors')).toBe("'self'");
    expect(directives.has('script-src')).toBe(false); // falls back to default-src 'none'
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('is for staff only (a client gets 403, a guest is sent to log in) and answers 404 for an unknown id', async () => {
    await owner.get('/admin/outbox/987654/html').expect(404);
    await owner.get('/admin/outbox/abc/html').expect(404);
    const c = await createUser(t, { role: 'client' });
    const client = await loginAgent(t, c.email, c.password);
    const refused = await client.get(`/admin/outbox/${msg.id}/html`);
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('Styled');
    const s = await createUser(t, { role: 'staff' });
    const staff = await loginAgent(t, s.email, s.password);
    expect((await staff.get(`/admin/outbox/${msg.id}/html`)).status).toBe(200);
    const anonymous = await request(t.http).get(`/admin/outbox/${msg.id}/html`);
    expect([302, 303, 401, 403]).toContain(anonymous.status);
    expect(anonymous.text).not.toContain('Styled');
  });
});
