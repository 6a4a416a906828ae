import { randomBytes } from 'node:crypto';
import { WarningsService } from '../../src/clients/warnings/warnings.service';
import { OffboardingCase } from '../../src/offboarding/entities/offboarding-case.entity';
import { OffboardingStep } from '../../src/offboarding/entities/offboarding-step.entity';
import { RunCase } from '../../src/offboarding/usecases/run-case.usecase';
import { createProduct, grantAccess } from '../factories/members';
import { paidOrder } from '../factories/orders';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/**
 * The offboarding admin pages through HTTP, on the real workflow: the client's tab and the form, the preview (the
 * checker's hints, the refunds, approval), starting a case (once, however often it is clicked), the case page
 * after the runner, the printable record and its download, bulk from the clients list; who may do what; CSRF.
 */
const SECRET = 'webhook-secret-0123456789';
const DAY = 86400_000;
const tag = () => randomBytes(4).toString('hex');

describe('offboarding pages', () => {
  let t: TestApp;
  let owner: Agent;
  let staff: Agent;
  let admin: Agent;

  const paid = (email: string, product: string, amount: string) => paidOrder(t, SECRET, { email, product, amount, paidAt: new Date(Date.now() - 3 * DAY) });

  /** A client with a course until a date, a paid order and an open ticket. */
  const aClient = async () => {
    const product = await createProduct(t, { slug: `c-${tag()}`, title: 'Watercolour basics' });
    const client = await createUser(t, { role: 'client', name: 'Irina Petrova' });
    await paid(client.email, product.slug, '1500.00');
    const second = await createProduct(t, { slug: `s-${tag()}`, title: 'Urban sketching' });
    await grantAccess(t, client.id, second.id, { endsAt: new Date(Date.now() + 30 * DAY) });
    const ticket = await createTicket(t, client.id, { subject: 'Lesson 3 again' });
    return { client, product, ticket };
  };

  const formOf = (html: string) => {
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    return fields;
  };

  const post = async (agent: Agent, pageUrl: string, url: string, fields: Record<string, string>) => {
    const page = await agent.get(pageUrl);
    return agent.post(url).type('form').send({ ...fields, _csrf: csrfFrom(page.text) });
  };

  const first = { reason: 'Asked for refunds three times after the course ended; the tone in ticket 12 became hostile.', step_notice: 'on', step_refund: 'on', step_revoke: 'on', step_unsubscribe: 'on', step_ban: 'on', when: 'now' };

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_SECRET: SECRET } });
    const o = await createUser(t, { role: 'owner' });
    const s = await createUser(t, { role: 'staff' });
    const a = await createUser(t, { role: 'admin' });
    owner = await loginAgent(t, o.email, o.password);
    staff = await loginAgent(t, s.email, s.password);
    admin = await loginAgent(t, a.email, a.password);
  });
  afterAll(() => t.close());

  it('the client page offers "Offboard…"; the form has every step on, the tickets to pick and the end of the paid period', async () => {
    const { client, ticket } = await aClient();
    const page = await owner.get(`/admin/clients/${client.id}`).expect(200);
    expect(page.text).toContain(`href="/admin/clients/${client.id}/offboarding/new"`);
    expect(page.text).toContain('href="/admin/offboarding"'); // the nav entry
    const tab = await owner.get(`/admin/clients/${client.id}/offboarding`).expect(200);
    expect(tab.text).toContain('No offboarding cases for this client.');
    const form = await owner.get(`/admin/clients/${client.id}/offboarding/new`).expect(200);
    for (const s of ['notice', 'refund', 'revoke', 'unsubscribe', 'ban']) expect(form.text).toMatch(new RegExp(`name="step_${s}" checked`));
    expect(form.text).toContain(`name="ticket_${ticket.id}"`);
    expect(form.text).toContain('never shown to the client');
    expect(form.text).toMatch(/name="runAt"[^>]*value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"/);
    expect(form.text).not.toMatch(/name="banDomain" checked/);
    // seed 002's last attempt: no warning was sent yet, so the form offers one first (a hint, not a block)
    expect(form.text).toContain('data-test="last-attempt"');
    expect(form.text).toContain(`href="/admin/clients/${client.id}/warnings/new"`);
  });

  it('the form names the last warning sent to the client, with its follow-up date, instead of offering one', async () => {
    const { client, ticket } = await aClient();
    const sender = await createUser(t, { role: 'owner', name: 'Olga Smirnova' });
    await t.app.get(WarningsService).send({ userId: sender.id, label: sender.email, ip: '127.0.0.1' }, client.id, { terms: 'Twelve lessons and one review.', requestTicketIds: [ticket.id], estimate: 'A weekly review: 4,000 RUB.', followUpOn: new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10) });
    const form = await owner.get(`/admin/clients/${client.id}/offboarding/new`).expect(200);
    expect(form.text).not.toContain('data-test="last-attempt"');
    const line = /<p class="notice" data-test="last-warning">([\s\S]*?)<\/p>/.exec(form.text)![1];
    expect(line).toContain('The last warning was sent on');
    expect(line).toContain('(Olga Smirnova)');
    expect(line).toMatch(/Follow-up date: \d{1,2} \w{3} \d{4}\./);
    expect(line).toContain(`href="/admin/clients/${client.id}#warnings"`);
  });

  it('the preview: the notice with no hints for the default text, the refund, Start for an owner; a blaming sentence is pointed at', async () => {
    const { client, ticket } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const res = await post(owner, `${url}/new`, `${url}/preview`, { ...first, [`ticket_${ticket.id}`]: 'on' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-test="hints-none"');
    expect(res.text).toContain('data-test="refund-row"');
    expect(res.text).toMatch(/name="refund_\d+"[^>]*value="1500.00"/);
    expect(res.text).toMatch(/1[\s\u00a0\u202f,]?500\.00|1[\s\u00a0\u202f,]?500,00/); // formatted with the currency
    expect(res.text).toContain('data-test="start"');
    expect(res.text).not.toContain('data-test="propose"');
    // the first form rides along in hidden fields
    const hidden = formOf(res.text);
    expect(hidden.reason).toBe(first.reason);
    expect(hidden[`ticket_${ticket.id}`]).toBe('on');

    const body = /<textarea id="f-noticeBody"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.text)![1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const again = await post(owner, `${url}/new`, `${url}/preview`, { ...hidden, noticeSubject: 'Our work together', noticeBody: `You broke the rules.\n${body}`, refundsShown: '1', grantsShown: '1' });
    expect(again.status).toBe(200);
    expect(again.text).toMatch(/data-rule="blame"[\s\S]*?You broke the rules\./);
    expect(again.text).not.toContain('data-test="hints-none"');
  });

  it('validation: no reason shows the form again with its message; an amount above what is left shows the preview with it', async () => {
    const { client } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const noReason = await post(owner, `${url}/new`, `${url}/preview`, { ...first, reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('data-test="reason-error"');
    expect(noReason.text).toContain('data-test="ob-form"');
    const noSteps = await post(owner, `${url}/new`, `${url}/preview`, { reason: 'x', when: 'now' });
    expect(noSteps.status).toBe(400);
    expect(noSteps.text).toContain('data-test="steps-error"');
    const badDate = await post(owner, `${url}/new`, `${url}/preview`, { ...first, when: 'date', runAt: 'tomorrow' });
    expect(badDate.status).toBe(400);
    expect(badDate.text).toContain('This is not a date and time we can read.');

    const preview = await post(owner, `${url}/new`, `${url}/preview`, first);
    const orderField = /name="(refund_\d+)"/.exec(preview.text)![1];
    const tooMuch = await post(owner, `${url}/new`, `${url}/preview`, { ...formOf(preview.text), refundsShown: '1', [orderField]: '9999' });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.text).toContain('data-test="ob-preview"');
    expect(tooMuch.text).toMatch(new RegExp(`name="${orderField}"[^>]*value="9999"[^>]*aria-invalid="true"`));
    const notAnAmount = await post(owner, `${url}/new`, `${url}/preview`, { ...formOf(preview.text), refundsShown: '1', [orderField]: '12,3,4' });
    expect(notAnAmount.status).toBe(400);
    expect(notAnAmount.text).toContain('Write an amount like 1500 or 1500.50.');
    // nothing was opened by any of it
    expect((await owner.get(`${url}`).expect(200)).text).toContain('No offboarding cases for this client.');
  });

  it('start: one case however often it is clicked; the case page after the runner; the record and its download', async () => {
    const { client, ticket } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const preview = await post(owner, `${url}/new`, `${url}/preview`, { ...first, evidence: 'https://chat.example/msg/1\nphone call on Monday', [`ticket_${ticket.id}`]: 'on' });
    const fields: Record<string, string> = { ...formOf(preview.text), refundsShown: '1', grantsShown: '1' };
    for (const m of preview.text.matchAll(/name="(refund_\d+)"[^>]*value="([^"]+)"/g)) fields[m[1]] = m[2];
    for (const m of preview.text.matchAll(/name="(grant_\d+)" checked/g)) fields[m[1]] = 'on';
    const [a, b] = [await post(owner, `${url}/new`, url, fields), await post(owner, `${url}/new`, url, fields)];
    expect(a.status).toBe(303);
    expect(a.headers.location).toMatch(/\?done=opened$/);
    expect(b.status).toBe(303);
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(a.headers.location)![1]);
    expect(b.headers.location).toBe(`/admin/offboarding/${caseId}?done=already_open`);
    expect((await owner.get(`${url}/new`).expect(200)).text).toMatch(new RegExp(`data-test="open-case"[\\s\\S]*?href="/admin/offboarding/${caseId}"`));

    await t.app.get(RunCase).runDue(new Date());
    const page = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(page.text).toContain('data-test="case-private"');
    expect(page.text).toContain(first.reason);
    expect(page.text).toContain(`<a href="/admin/tickets/${ticket.id}">Ticket #${ticket.id}</a>`);
    expect(page.text).toContain('<a href="https://chat.example/msg/1">https://chat.example/msg/1</a>');
    expect(page.text).toMatch(/data-test="evidence">phone call on Monday</);
    for (const s of ['notice', 'refund', 'revoke', 'unsubscribe', 'ban']) expect(page.text).toContain(`data-step="${s}"`);
    expect(page.text).toMatch(/data-step="revoke"[\s\S]*?data-status="done"/);
    expect(page.text).toMatch(/Access ended: 2 · sessions ended: \d+ · API keys revoked: \d+ · tickets closed: 1\./);
    // the manual refund waits for the owner, who confirms it on the client's orders
    expect(page.text).toMatch(/data-step="refund"[\s\S]*?data-test="confirm-refund"/);
    expect(page.text).toContain('data-test="notice-sent"');

    const list = await owner.get('/admin/offboarding').expect(200);
    expect(list.text).toContain(`href="/admin/offboarding/${caseId}"`);
    const tab = await owner.get(url).expect(200);
    expect(tab.text).toContain(`href="/admin/offboarding/${caseId}"`);

    const record = await owner.get(`/admin/offboarding/${caseId}/record`).expect(200);
    expect(record.headers['content-disposition']).toBeUndefined();
    expect(record.text).toContain('/assets/offboarding-record.css');
    expect(record.text).not.toContain('class="nav"');
    expect(record.text).toContain('data-test="record-notice"');
    expect(record.text).toContain('data-test="record-audit"');
    expect(record.text).toContain(`<li data-test="evidence">Ticket #${ticket.id}</li>`);
    const file = await owner.get(`/admin/offboarding/${caseId}/record?download=1`).expect(200);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="offboarding-${caseId}.html"`);
    expect(file.headers['content-type']).toMatch(/^text\/html/);
    expect(file.text).toContain('@media print');
    expect(file.text).not.toContain('data-test="download"');
    expect(file.text).not.toContain('_csrf');
  });

  it('staff propose (an owner approves); staff cannot approve, retry, skip or reinstate', async () => {
    const { client } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const preview = await post(staff, `${url}/new`, `${url}/preview`, first);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('data-test="propose"');
    expect(preview.text).toContain('data-test="approval-needed"');
    const opened = await post(staff, `${url}/new`, url, formOf(preview.text));
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toMatch(/\?done=proposed$/);
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(opened.headers.location)![1]);
    expect((await staff.get(opened.headers.location)).text).toContain('Proposed. An owner or admin approves it before anything happens.');
    const asStaff = await staff.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(asStaff.text).toMatch(/data-test="case-status" data-status="proposed"/);
    expect(asStaff.text).not.toContain('data-test="approve"');
    for (const action of ['approve', 'cancel', 'steps/refund/retry', 'steps/refund/skip', 'reinstate']) {
      expect((await post(staff, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/${action}`, {})).status).toBe(403);
    }
    const asOwner = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(asOwner.text).toContain('data-test="approve"');
    const approved = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/approve`, {});
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe(`/admin/offboarding/${caseId}?done=approved`);
    // approving twice: the case moved on, shown again with the reason, not a 500
    const twice = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/approve`, {});
    expect(twice.status).toBe(409);
    expect(twice.text).toContain(`Case #${caseId}`);
  });

  it('a scheduled case can be canceled by an admin before it starts', async () => {
    const { client } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const runAt = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 16);
    const preview = await post(admin, `${url}/new`, `${url}/preview`, { ...first, when: 'date', runAt });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('data-test="start"');
    const opened = await post(admin, `${url}/new`, url, formOf(preview.text));
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(opened.headers.location)![1]);
    const page = await admin.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(page.text).toMatch(/data-status="scheduled"/);
    const canceled = await post(admin, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/cancel`, {});
    expect(canceled.status).toBe(303);
    expect((await admin.get(`/admin/offboarding/${caseId}`)).text).toMatch(/data-status="canceled"/);
    expect((await admin.get('/admin/offboarding?status=canceled')).text).toContain(`href="/admin/offboarding/${caseId}"`);
    expect((await admin.get('/admin/offboarding?status=proposed')).text).not.toContain(`href="/admin/offboarding/${caseId}"`);
  });

  it('reinstate: a finished case offers the grants it ended (all ticked), the ban and the account; the case shows what came back', async () => {
    const { client } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const steps = { reason: first.reason, step_revoke: 'on', step_unsubscribe: 'on', step_ban: 'on', when: 'now' };
    const preview = await post(owner, `${url}/new`, `${url}/preview`, steps);
    expect(preview.text).not.toContain('id="notice"');
    expect(preview.text).not.toContain('id="refunds"');
    const opened = await post(owner, `${url}/new`, url, { ...formOf(preview.text), grantsShown: '1', ...Object.fromEntries([...preview.text.matchAll(/name="(grant_\d+)" checked/g)].map((m) => [m[1], 'on'])) });
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(opened.headers.location)![1]);
    await t.app.get(RunCase).runDue(new Date());
    const page = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(page.text).toMatch(/data-test="case-status" data-status="done"/);
    expect(page.text).toMatch(/data-step="notice"[\s\S]*?data-status="skipped"/);
    const grants = [...page.text.matchAll(/name="(grant_\d+)" checked data-test="reinstate-grant"/g)].map((m) => m[1]);
    expect(grants).toHaveLength(2);
    expect(page.text).toContain('name="liftBan" checked');
    const asStaff = await staff.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(asStaff.text).not.toContain('data-test="reinstate-form"');
    const back = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/reinstate`, { [grants[0]]: 'on', liftBan: 'on', reopenAccount: 'on', sendWelcomeBack: 'on' });
    expect(back.status).toBe(303);
    const after = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(after.text).toMatch(/data-test="case-status" data-status="reinstated"/);
    expect(after.text).toContain('data-test="reinstatement"');
    expect(after.text.match(/restored/g)).toHaveLength(1);
    expect(after.text).not.toContain('data-test="reinstate-form"');
    const record = await owner.get(`/admin/offboarding/${caseId}/record`).expect(200);
    expect(record.text).toContain('The ban was lifted');
  });

  it('a step that gave up shows its error with Retry and Skip; both work from the case page', async () => {
    const { client } = await aClient();
    const url = `/admin/clients/${client.id}/offboarding`;
    const preview = await post(owner, `${url}/new`, `${url}/preview`, { reason: first.reason, step_revoke: 'on', step_ban: 'on', when: 'date', runAt: new Date(Date.now() + 5 * DAY).toISOString().slice(0, 16) });
    const opened = await post(owner, `${url}/new`, url, formOf(preview.text));
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(opened.headers.location)![1]);
    // as the runner leaves a case whose steps failed for good (the state, set here, not the failure)
    await t.db.write(async (m) => {
      await m.update(OffboardingCase, { id: caseId }, { status: 'attention', startedAt: new Date() });
      await m.update(OffboardingStep, { caseId, name: 'revoke' }, { status: 'failed', attempts: 5, lastError: 'database is locked' });
      await m.update(OffboardingStep, { caseId, name: 'ban' }, { status: 'failed', attempts: 5, lastError: 'database is locked' });
    });
    const page = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(page.text).toMatch(/data-test="case-status" data-status="attention"/);
    expect(page.text).toMatch(/data-step="revoke"[\s\S]*?Last error: database is locked[\s\S]*?data-test="retry"[\s\S]*?data-test="skip"/);
    expect((await staff.get(`/admin/offboarding/${caseId}`)).text).not.toContain('data-test="retry"');
    const skipped = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/steps/revoke/skip`, {});
    expect(skipped.headers.location).toBe(`/admin/offboarding/${caseId}?done=skipped`);
    const retried = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/steps/ban/retry`, {});
    expect(retried.headers.location).toBe(`/admin/offboarding/${caseId}?done=retried`);
    await t.app.get(RunCase).runDue(new Date());
    const after = await owner.get(`/admin/offboarding/${caseId}`).expect(200);
    expect(after.text).toMatch(/data-step="revoke"[\s\S]*?data-status="skipped"/);
    expect(after.text).toMatch(/data-step="ban"[\s\S]*?data-status="done"/);
    // a step that is not failed any more cannot be skipped: the case page again with the reason, a 409
    const again = await post(owner, `/admin/offboarding/${caseId}`, `/admin/offboarding/${caseId}/steps/ban/skip`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain(`Case #${caseId}`);
  });

  it('bulk: selected on the clients list, one case each, the result lists them', async () => {
    const [x, y] = [await aClient(), await aClient()];
    const list = await owner.get('/admin/clients').expect(200);
    expect(list.text).toContain(`name="client_${x.client.id}"`);
    const form = await post(owner, '/admin/clients', '/admin/offboarding/bulk/new', { [`client_${x.client.id}`]: 'on', [`client_${y.client.id}`]: 'on' });
    expect(form.status).toBe(200);
    expect(form.text).toContain('data-test="bulk-form"');
    const none = await post(owner, '/admin/clients', '/admin/offboarding/bulk/new', {});
    expect(none.status).toBe(400);
    const res = await post(owner, '/admin/clients', '/admin/offboarding/bulk', { ...first, [`client_${x.client.id}`]: 'on', [`client_${y.client.id}`]: 'on' });
    expect(res.status).toBe(200);
    expect(res.text.match(/data-test="bulk-opened-case"/g)).toHaveLength(2);
    const noReason = await post(owner, '/admin/clients', '/admin/offboarding/bulk', { ...first, reason: '', [`client_${x.client.id}`]: 'on' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('data-test="bulk-form"');
  });

  it('a client gets no admin page; a post without the CSRF token is refused; an unknown case or client is 404', async () => {
    const { client } = await aClient();
    const asClient = await loginAgent(t, client.email, client.password);
    for (const path of ['/admin/offboarding', `/admin/clients/${client.id}/offboarding/new`]) {
      expect([403, 404]).toContain((await asClient.get(path)).status);
    }
    const noCsrf = await owner.post(`/admin/clients/${client.id}/offboarding/preview`).type('form').send(first);
    expect(noCsrf.status).toBe(403);
    await owner.get('/admin/offboarding/999999').expect(404);
    await owner.get('/admin/offboarding/999999/record').expect(404);
    await owner.get('/admin/clients/999999/offboarding/new').expect(404);
    expect((await post(owner, '/admin/offboarding', '/admin/offboarding/1/steps/nope/retry', {})).status).toBeGreaterThanOrEqual(400);
  });
});
