import { AuditService } from '../../src/audit/audit.service';
import { SettingsService } from '../../src/settings/settings.service';
import { createUser } from '../factories/users';
import { Agent, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

describe('site settings', () => {
  let t: TestApp;
  let owner: Agent;
  beforeAll(async () => {
    t = await startTestApp({ env: { TZ: 'Europe/Berlin', MAIL_FROM: 'Школа <school@example.com>' } });
    const u = await createUser(t, { role: 'owner' });
    owner = await loginAgent(t, u.email, u.password);
  });
  afterAll(() => t.close());

  it('starts from the defaults (TZ, MAIL_FROM) and saves what the owner sets, audited', async () => {
    const page = await owner.get('/admin/settings').expect(200);
    expect(page.text).toContain('<option value="Europe/Berlin" selected>');
    expect(page.text).toContain('value="school@example.com"');
    expect(page.text).toContain('value="Школа"');

    const res = await formPost(owner, '/admin/settings', '/admin/settings', {
      schoolName: '  Школа танго  ', timeZone: 'Asia/Yekaterinburg', accentColour: '#0f5132',
      mailFromName: 'Школа танго', mailFromAddress: 'hello@tango.example', marketingFromName: 'Новости школы', marketingFromAddress: 'news@tango.example',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings?notice=settings_saved');
    const s = await t.app.get(SettingsService).current();
    expect(s).toMatchObject({ schoolName: 'Школа танго', timeZone: 'Asia/Yekaterinburg', accentColour: '#0f5132', marketingFromAddress: 'news@tango.example' });
    const after = await owner.get('/admin/settings?notice=settings_saved').expect(200);
    expect(after.text).toContain('Settings saved.');
    expect(after.text).toContain('<option value="Asia/Yekaterinburg" selected>');

    const log = await t.app.get(AuditService).search({ action: 'settings.updated', limit: 10, offset: 0 });
    expect(log.items).toHaveLength(1);
    expect(log.items[0].summary).toMatchObject({ before: { timeZone: 'Europe/Berlin' }, after: { timeZone: 'Asia/Yekaterinburg' } });
    // saving the same values again records nothing
    await formPost(owner, '/admin/settings', '/admin/settings', { schoolName: 'Школа танго' });
    expect((await t.app.get(AuditService).search({ action: 'settings.updated', limit: 10, offset: 0 })).items).toHaveLength(1);
  });

  it('refuses bad values field by field with the form shown again, and stores none of them', async () => {
    const before = await t.app.get(SettingsService).current();
    const res = await formPost(owner, '/admin/settings', '/admin/settings', {
      schoolName: 'Fine name', timeZone: 'Mars/Olympus', accentColour: '#ffeeaa', mailFromAddress: 'not-an-address', marketingFromName: 'a\u2028b',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose a time zone from the list.');
    expect(res.text).toContain('Too light: white text on it would be hard to read.');
    expect(res.text).toContain('Must be an e-mail address');
    expect(res.text).toContain('Must be one line of text.');
    expect(res.text).toContain('value="Fine name"'); // what was typed stays in the form
    expect(await t.app.get(SettingsService).current()).toEqual(before);
  });

  it('is for owners and admins only', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const a = await loginAgent(t, staff.email, staff.password);
    expect((await a.get('/admin/settings')).status).toBe(403);
    const client = await createUser(t, { role: 'client' });
    const c = await loginAgent(t, client.email, client.password);
    expect([403, 404]).toContain((await c.get('/admin/settings')).status);
    const admin = await createUser(t, { role: 'admin' });
    await (await loginAgent(t, admin.email, admin.password)).get('/admin/settings').expect(200);
  });
});
