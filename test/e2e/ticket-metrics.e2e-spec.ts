import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { SettingsService } from '../../src/settings/settings.service';
import { Ticket, TicketMessage } from '../../src/support/entities/ticket.entity';
import { TicketMetricsService } from '../../src/support/ticket-metrics.service';
import { TicketsService } from '../../src/support/tickets.service';
import { TicketsStaffService } from '../../src/support/tickets-staff.service';
import { Actor } from '../../src/audit/actor';
import { FACTORY_ACTOR } from '../factories/members';
import { backdateTicket, setClientMessageTimes, setTicketFigures } from '../factories/ticket-metrics';
import { createTicket, staffReply } from '../factories/tickets';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The text of the element carrying `data-test="name"` (first one), tags stripped. */
function testText(html: string, name: string): string {
  const m = new RegExp(`data-test="${name}"[^>]*>([\\s\\S]*?)</(span|dd|td|small|p)>`).exec(html);
  return m ? m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() : `(no ${name})`;
}

describe('ticket metrics', () => {
  let t: TestApp;
  let staffId: number;
  let staffActor: Actor;
  let s: Agent;
  let owner: Agent;
  let api: (path: string) => request.Test;

  beforeAll(async () => {
    t = await startTestApp();
    const staff = await createUser(t, { role: 'staff', name: 'Sam Staff' });
    staffId = staff.id;
    staffActor = { userId: staff.id, label: 'staff', ip: '' };
    s = await loginAgent(t, staff.email, staff.password);
    const o = await createUser(t, { role: 'owner' });
    owner = await loginAgent(t, o.email, o.password);
    const key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'metrics', ip: '' }, 'metrics')).key;
    api = (path) => request(t.http).get(path).set('Authorization', `Bearer ${key}`);
  });
  afterAll(() => t.close());

  const stored = (id: number) => t.db.manager.findOneByOrFail(Ticket, { id });
  const summaryNow = () => {
    t.app.get(TicketMetricsService).forget();
    return api('/api/admin/tickets/metrics').expect(200);
  };

  // First, while these are the only tickets: the overall figures.
  it('overall: median first response over the last 30 days, open tickets now, minutes in the window; cached; on the inbox', async () => {
    const c = await createUser(t);
    const now = Date.now();
    const [a, b, d, old] = [await createTicket(t, c.id), await createTicket(t, c.id), await createTicket(t, c.id), await createTicket(t, c.id)];
    await setTicketFigures(t, a.id, { firstResponseAt: new Date(now - DAY), firstResponseSeconds: 600 });
    await setTicketFigures(t, b.id, { firstResponseAt: new Date(now - 2 * DAY), firstResponseSeconds: 1200 });
    await setTicketFigures(t, d.id, { firstResponseAt: new Date(now - 3 * DAY), firstResponseSeconds: 3000, closedAt: new Date(now - DAY), resolutionSeconds: 9000 });
    // answered 40 days ago: outside the window, so not in the median
    await setTicketFigures(t, old.id, { firstResponseAt: new Date(now - 40 * DAY), firstResponseSeconds: 99_999 });
    await t.app.get(TicketsStaffService).note(staffActor, b.id, { body: 'Checked the logs.', minutes: 5 });
    await t.app.get(TicketsStaffService).note(staffActor, old.id, { body: 'Long ago.', minutes: 100 });
    const [oldNote] = await t.db.manager.find(TicketMessage, { where: { ticketId: old.id, kind: 'internal_note' } });
    await t.db.transaction((m) => m.update(TicketMessage, { id: oldNote.id }, { createdAt: new Date(now - 40 * DAY) }));

    const res = await summaryNow();
    expect(res.body).toEqual({
      scope: 'all',
      clientId: null,
      windowDays: 30,
      sampleCap: 1000,
      medianFirstResponseSeconds: 1200,
      answered: 3,
      open: 3,
      minutesSpent: 5,
      businessHours: false,
      computedAt: expect.any(String),
    });

    // reused for a while: a new answered ticket shows once the cache is forgotten (or 30 s later)
    const e = await createTicket(t, c.id);
    await setTicketFigures(t, e.id, { firstResponseAt: new Date(now - DAY), firstResponseSeconds: 2000 });
    expect((await api('/api/admin/tickets/metrics').expect(200)).body.answered).toBe(3);
    const fresh = (await summaryNow()).body;
    expect(fresh).toMatchObject({ answered: 4, medianFirstResponseSeconds: 1600, open: 4 });

    const inbox = await s.get('/admin/tickets').expect(200);
    expect(inbox.text).toContain('data-test="ticket-summary" data-scope="all"');
    expect(testText(inbox.text, 'median-first-response')).toBe('26 min');
    expect(testText(inbox.text, 'open-count')).toBe('4');
    expect(testText(inbox.text, 'minutes-spent')).toBe('5');
    expect(testText(inbox.text, 'summary-scope')).toContain('Last 30 days');
    expect(testText(inbox.text, 'summary-scope')).toContain('around the clock');
    // filtered to one client, the figures are that client's, over all their tickets
    const mine = await s.get(`/admin/tickets?clientId=${c.id}&status=all`).expect(200);
    expect(mine.text).toContain('data-scope="client"');
    expect(testText(mine.text, 'minutes-spent')).toBe('105');
  });

  it('per ticket, wall-clock: only the first staff reply counts (not notes, status lines or the client), and the close', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id, { subject: 'Timed thread' });
    await backdateTicket(t, tk.id, 90 * MIN);
    const staff = t.app.get(TicketsStaffService);
    await staff.note(staffActor, tk.id, { body: 'Looking into it.', minutes: 4 });
    await staff.update(staffActor, tk.id, { status: 'waiting_for_staff', priority: 'high' }); // a system line
    await t.app.get(TicketsService).reply(c.id, tk.id, { body: 'Any news?' }, null);
    const before = await stored(tk.id);
    expect(before).toMatchObject({ firstResponseAt: null, firstResponseSeconds: null, resolutionSeconds: null });

    await staffReply(t, staffId, tk.id, 'Fixed: try again.', { minutes: 6 });
    const answered = await stored(tk.id);
    expect(answered.firstResponseSeconds).toBeGreaterThanOrEqual(5400);
    expect(answered.firstResponseSeconds).toBeLessThan(5400 + 30);
    // a later reply changes nothing
    await staffReply(t, staffId, tk.id, 'And one more thing.', { status: 'open' });
    expect((await stored(tk.id)).firstResponseSeconds).toBe(answered.firstResponseSeconds);

    await staff.update(staffActor, tk.id, { status: 'closed' });
    const closed = await stored(tk.id);
    expect(closed.resolutionSeconds).toBeGreaterThanOrEqual(5400);
    expect(closed.resolutionSeconds).toBeLessThan(5400 + 30);

    const page = await s.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(testText(page.text, 'first-response-time')).toBe('1 h 30 min');
    expect(testText(page.text, 'resolution-time')).toBe('1 h 30 min');
    expect(page.text).not.toContain('data-test="metrics-business-hours"');

    const list = await api(`/api/admin/tickets?clientId=${c.id}&status=all`).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: tk.id, firstResponseSeconds: answered.firstResponseSeconds, resolutionSeconds: closed.resolutionSeconds });
    const one = await api(`/api/admin/tickets/${tk.id}`).expect(200);
    expect(one.body).toMatchObject({ firstResponseSeconds: answered.firstResponseSeconds, resolutionSeconds: closed.resolutionSeconds, minutesTotal: 10 });

    // reopened, it has no resolution time until it closes again
    await staff.update(staffActor, tk.id, { status: 'open' });
    expect((await stored(tk.id)).resolutionSeconds).toBeNull();
    expect((await api(`/api/admin/tickets/${tk.id}`).expect(200)).body.resolutionSeconds).toBeNull();
    expect(testText((await s.get(`/admin/tickets/${tk.id}`)).text, 'resolution-time')).toBe('not closed');
  });

  it('settings: business hours are set on the settings page, with clear errors for bad times', async () => {
    const post = async (fields: string) => {
      const page = await owner.get('/admin/settings').expect(200);
      return owner.post('/admin/settings').type('form').send(`${fields}&_csrf=${encodeURIComponent(csrfFrom(page.text))}`);
    };
    const bad = async (fields: string, message: string) => {
      const res = await post(fields);
      expect([res.status, res.text.includes(message)]).toEqual([400, true]);
      expect(res.text.match(/data-test="settings-business-hours"[\s\S]*?<div class="button-row">/)?.[0]).toContain('aria-invalid="true"');
    };
    await bad('businessDays=&businessDays=1&businessHoursFrom=25:00&businessHoursTo=18:00', 'Enter a time as HH:MM, for example 09:00.');
    await bad('businessDays=&businessDays=1&businessHoursFrom=18:00&businessHoursTo=09:00', 'The end of the working day must come after its start.');
    await bad('businessDays=&businessDays=1&businessHoursFrom=09:00&businessHoursTo=', 'Enter both times, or leave both empty for whole days.');
    await bad('businessDays=&businessDays=9&businessHoursFrom=&businessHoursTo=', 'Tick the working days from the list.');
    expect((await t.app.get(SettingsService).current()).businessDays).toBe('');

    const ok = await post('businessDays=&businessDays=5&businessDays=1&businessDays=2&businessDays=3&businessDays=4&businessHoursFrom=09:00&businessHoursTo=18:00&timeZone=Europe/Moscow');
    expect(ok.status).toBe(303);
    expect(await t.app.get(SettingsService).current()).toMatchObject({ businessDays: '1,2,3,4,5', businessHoursFrom: '09:00', businessHoursTo: '18:00', timeZone: 'Europe/Moscow' });
    const page = await owner.get('/admin/settings').expect(200);
    expect(page.text).toContain('name="businessDays" value="1" checked');
    expect(page.text).not.toContain('name="businessDays" value="6" checked');
    expect(page.text).toContain('value="09:00"');
    // a form without the weekday boxes (another page, the API) leaves them as they are
    await formPost(owner, '/admin/settings', '/admin/settings', { schoolName: 'Metrics school' }).then((r) => expect(r.status).toBe(303));
    expect((await t.app.get(SettingsService).current()).businessDays).toBe('1,2,3,4,5');
  });

  it('per ticket in business hours (Moscow, Mon–Fri 09:00–18:00): a week of waiting is 45 working hours', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    // any seven days in a row hold each weekday once: 5 × 9 h, wherever in the week "now" is (Moscow has no DST)
    await backdateTicket(t, tk.id, 7 * DAY);
    await staffReply(t, staffId, tk.id, 'Sorry for the wait.');
    const secs = (await stored(tk.id)).firstResponseSeconds!;
    expect(Math.abs(secs - 45 * 3600)).toBeLessThan(30);
    const page = await s.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(testText(page.text, 'first-response-time')).toMatch(/^45 h( 0 min)?$/);
    expect(page.text).toContain('data-test="metrics-business-hours"');
    expect((await summaryNow()).body.businessHours).toBe(true);
  });

  it('client page: ticket history with totals and the share of messages outside business hours ("—" when off)', async () => {
    const c = await createUser(t, { name: 'Vera Client' });
    const a = await createTicket(t, c.id, { subject: 'Lesson 3 video is silent' });
    const b = await createTicket(t, c.id, { subject: 'Feedback on my sketch', type: 'consultation' });
    await t.app.get(TicketsStaffService).note(staffActor, a.id, { body: 'Audio track missing.', minutes: 4 });
    await staffReply(t, staffId, a.id, 'Re-uploaded, sorry!', { minutes: 6 });
    await t.app.get(TicketsService).reply(c.id, a.id, { body: 'Works now, thanks.' }, null);
    await t.app.get(TicketsStaffService).note(staffActor, a.id, { body: 'internal: fine', minutes: 1 });
    // Saturday noon and Monday 23:00 in Moscow are outside the hours; Tuesday 10:00 inside
    await setClientMessageTimes(t, a.id, [new Date('2026-11-28T09:00:00Z'), new Date('2026-11-30T20:00:00Z')]);
    await setClientMessageTimes(t, b.id, [new Date('2026-11-24T07:00:00Z')]);

    const page = await s.get(`/admin/clients/${c.id}`).expect(200);
    expect(testText(page.text, 'total-tickets')).toBe('2');
    expect(testText(page.text, 'total-consultations')).toBe('1');
    expect(testText(page.text, 'total-minutes')).toBe('11');
    expect(testText(page.text, 'outside-hours')).toBe('67%');
    expect(page.text).toContain('2 of 3 messages');
    expect(page.text).toContain(`<a href="/admin/tickets/${a.id}">Lesson 3 video is silent</a>`);
    expect(page.text).toContain(`<a href="/admin/tickets/${b.id}">Feedback on my sketch</a>`);
    expect(page.text).toMatch(new RegExp(`data-ticket="${b.id}"[\\s\\S]*?Consultation[\\s\\S]*?data-test="line-first-response">—<`));
    expect(page.text).toMatch(new RegExp(`data-ticket="${a.id}"[\\s\\S]*?data-test="line-minutes">11<`));
    expect(page.text).toContain('class="stack" data-test="client-ticket-list"');

    const res = await api(`/api/admin/tickets/metrics?clientId=${c.id}`).expect(200);
    expect(res.body).toMatchObject({ scope: 'client', clientId: c.id, windowDays: null, answered: 1, open: 2, minutesSpent: 11, businessHours: true });
    expect(res.body.medianFirstResponseSeconds).toBe((await stored(a.id)).firstResponseSeconds);

    await t.app.get(SettingsService).update(FACTORY_ACTOR, { businessDays: '' });
    const off = await s.get(`/admin/clients/${c.id}`).expect(200);
    expect(testText(off.text, 'outside-hours')).toBe('—');
    expect(off.text).toContain('business hours are off');

    const ruStaff = await createUser(t, { role: 'staff', locale: 'ru' });
    const ru = await (await loginAgent(t, ruStaff.email, ruStaff.password)).get(`/admin/clients/${c.id}`).expect(200);
    expect(ru.text).toContain('Сообщений вне рабочих часов');
    expect(ru.text).toContain('рабочие часы не заданы');
    const empty = await createUser(t);
    expect((await s.get(`/admin/clients/${empty.id}`).expect(200)).text).toContain('This client has not opened a ticket yet.');
  });

  it('API: bad query parameters are a 400 with a JSON body naming the field; an unknown client is a 404', async () => {
    for (const bad of ['clientId=abc', 'clientId=0', 'clientId=-3', 'clientId=1.5', 'clientId=99999999999']) {
      const res = await api(`/api/admin/tickets/metrics?${bad}`);
      expect([bad, res.status, res.type]).toEqual([bad, 400, 'application/json']);
      expect(res.body.error.details.fields).toHaveProperty('clientId');
    }
    const twice = await api('/api/admin/tickets/metrics?clientId=1&clientId=2');
    expect([twice.status, twice.type]).toEqual([400, 'application/json']);
    expect((await api('/api/admin/tickets/metrics?clientId=99999')).status).toBe(404);
    expect((await api(`/api/admin/tickets/metrics?clientId=${staffId}`)).status).toBe(404); // staff are not clients
    expect((await request(t.http).get('/api/admin/tickets/metrics')).status).toBe(401);
  });

  it('is in the OpenAPI document beside the other ticket endpoints', async () => {
    const doc = await request(t.http).get('/api/docs-json');
    if (doc.status !== 200) throw new Error(`no OpenAPI document at /api/docs-json: ${doc.status}`);
    const op = doc.body.paths['/api/admin/tickets/metrics']?.get;
    expect(op?.tags).toEqual(['support']);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['clientId']);
    const schema = doc.body.components.schemas.TicketMetricsResponse;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['medianFirstResponseSeconds', 'open', 'minutesSpent', 'windowDays']));
    expect(Object.keys(doc.body.components.schemas.TicketResponse.properties)).toEqual(expect.arrayContaining(['firstResponseSeconds', 'resolutionSeconds']));
  });
});
