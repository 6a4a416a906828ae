import { simpleParser } from 'mailparser';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { SubscriptionsService } from '../../src/mailing/subscribers/subscriptions.service';
import { SiteFile } from '../../src/settings/brand/entities/site-file.entity';
import { SettingsService } from '../../src/settings/settings.service';
import { seedList, startCampaign } from '../factories/campaigns';
import { createList } from '../factories/mailing';
import { createUser } from '../factories/users';
import { SmtpSink } from '../utils/smtp-sink';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');

describe('branding: school name, logo, accent colour and senders', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let owner: Agent;
  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'kabinet <noreply@kabinet.test>' } });
    const u = await createUser(t, { role: 'owner' });
    owner = await loginAgent(t, u.email, u.password);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const save = async (fields: Record<string, string>) => {
    const res = await formPost(owner, '/admin/settings', '/admin/settings', fields);
    expect(res.status).toBe(303);
  };

  const uploadLogo = async (bytes: Buffer, filename: string, contentType = 'image/png') => {
    const page = await owner.get('/admin/settings').expect(200);
    return owner.post('/admin/settings/logo').field('_csrf', csrfFrom(page.text)).attach('logo', bytes, { filename, contentType });
  };

  it('falls back to "kabinet" with a letter mark, then shows the school name in the header, the title and the consent texts', async () => {
    const anon = request.agent(t.http);
    let login = await anon.get('/login').expect(200);
    expect(login.text).toMatch(/<title>[^<]* · kabinet<\/title>/);
    expect(login.text).toMatch(/<span class="brand-mark" aria-hidden="true">K<\/span>\s*<span class="brand-name">kabinet<\/span>/);

    await save({ schoolName: 'Школа танго' });
    login = await anon.get('/login').expect(200);
    expect(login.text).toMatch(/<title>[^<]* · Школа танго<\/title>/);
    expect(login.text).toContain('<span class="brand-mark" aria-hidden="true">Ш</span>');
    expect(login.text).toContain('<span class="brand-name">Школа танго</span>');

    const list = await createList(t, { name: 'Новости', isPublic: true });
    const sub = await anon.get(`/subscribe?list=${list.id}`).expect(200);
    expect(sub.text).toContain('I agree to receive emails from Школа танго on these lists.');
    const embed = await owner.get(`/admin/mailing/lists/${list.id}`).expect(200);
    expect(embed.text).toContain('I agree to receive emails from Школа танго on these lists.');
    const client = await createUser(t, { role: 'client' });
    const c = await loginAgent(t, client.email, client.password);
    const prefs = await c.get('/account/mailing').expect(200);
    expect(prefs.text).toContain('Tick the lists on which Школа танго may send you mail.');
  });

  it('serves the accent colour as a versioned stylesheet, and the pages carry no inline style', async () => {
    await save({ accentColour: '#0f5132' });
    const page = await owner.get('/admin/settings').expect(200);
    const href = /<link rel="stylesheet" href="(\/brand\.css\?v=[0-9a-f]{12})">/.exec(page.text)?.[1];
    expect(href).toBeDefined();
    expect(page.text.indexOf('/assets/app.css')).toBeLessThan(page.text.indexOf(href!)); // after app.css: it wins
    expect(page.text).not.toMatch(/\sstyle=|<style/i);
    expect(page.headers['content-security-policy']).toMatch(/style-src 'self'(;|$)/);

    const css = await request(t.http).get(href!).expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.text).toMatch(/^:root\{--accent:#0f5132;--accent-hover:#[0-9a-f]{6};--accent-soft:#[0-9a-f]{6}\}/);
    // A stale version gets today's colours, but is not kept for good.
    const stale = await request(t.http).get('/brand.css?v=000000000000').expect(200);
    expect(stale.text).toContain('--accent:#0f5132');
    expect(stale.headers['cache-control']).toBe('public, max-age=60');

    await save({ accentColour: '#4338ca' });
    const after = await owner.get('/admin/settings').expect(200);
    expect(after.text).not.toContain(href!);
  });

  it('refuses a logo that is not a raster image, whatever its name, and SVG, with a clear message', async () => {
    const text = await uploadLogo(Buffer.from('just some text, honest'), 'logo.png');
    expect(text.status).toBe(400);
    expect(text.text).toContain('This file is not a PNG, JPEG, WebP or GIF image (whatever its name says).');
    expect(text.text).toContain('value="Школа танго"'); // the page keeps the saved settings

    const svg = await uploadLogo(SVG, 'logo.svg', 'image/svg+xml');
    expect(svg.status).toBe(400);
    expect(svg.text).toContain('SVG is not accepted');

    const big = await uploadLogo(Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]), 'big.png');
    expect(big.status).toBe(413);
    expect(big.text).toContain('The logo is larger than 1 MB.');

    const none = await uploadLogo(Buffer.alloc(0), 'empty.png');
    expect(none.status).toBe(400);
    expect(none.text).toContain('Choose an image file to upload.');

    expect((await t.app.get(SettingsService).current()).logoFileId).toBe('');
    expect(await t.db.manager.count(SiteFile)).toBe(0);
    // no stray temporary files left behind
    expect(fs.readdirSync(t.config.filesDir).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });

  it('takes a PNG, serves it publicly with its type, nosniff and a long cache, shows it in the header, and removes it', async () => {
    const res = await uploadLogo(PNG, 'whatever.txt', 'text/plain'); // the bytes decide, not the name or the claim
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings?notice=settings_saved#logo');
    const id = (await t.app.get(SettingsService).current()).logoFileId;
    expect(id).toMatch(/^\d+$/);
    const row = await t.db.manager.findOneByOrFail(SiteFile, { id: Number(id) });
    expect(row).toMatchObject({ kind: 'logo', contentType: 'image/png', sizeBytes: PNG.length });
    expect(fs.readFileSync(path.join(t.config.filesDir, row.storageKey))).toEqual(PNG);

    const anon = request.agent(t.http);
    const img = await anon.get(`/brand/logo/${id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.headers['x-content-type-options']).toBe('nosniff');
    expect(img.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(img.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(img.body).toEqual(PNG);

    const login = await anon.get('/login').expect(200);
    expect(login.text).toContain(`<img class="brand-logo" src="/brand/logo/${id}" alt="">`);
    expect(login.text).not.toContain('class="brand-mark"');
    expect(login.text).toContain('<span class="brand-name">Школа танго</span>');

    // A new logo replaces the old one, whose file goes.
    expect((await uploadLogo(PNG, 'again.png')).status).toBe(303);
    const id2 = (await t.app.get(SettingsService).current()).logoFileId;
    expect(id2).not.toBe(id);
    await anon.get(`/brand/logo/${id}`).expect(404);
    expect(fs.existsSync(path.join(t.config.filesDir, row.storageKey))).toBe(false);

    const page = await owner.get('/admin/settings').expect(200);
    const removed = await owner.post('/admin/settings/logo/remove').type('form').send({ _csrf: csrfFrom(page.text) });
    expect(removed.status).toBe(303);
    expect((await t.app.get(SettingsService).current()).logoFileId).toBe('');
    await anon.get(`/brand/logo/${id2}`).expect(404);
    expect(await t.db.manager.count(SiteFile)).toBe(0);
    expect((await anon.get('/login')).text).toContain('class="brand-mark"');
    await anon.get('/brand/logo/abc').expect(404);
  });

  it('sends transactional mail from the transactional sender and campaigns from the marketing one, branded', async () => {
    expect((await uploadLogo(PNG, 'logo.png')).status).toBe(303);
    const logoId = (await t.app.get(SettingsService).current()).logoFileId;
    await save({
      accentColour: '#0f5132',
      mailFromName: 'Школа танго', mailFromAddress: 'hello@tango.example',
      marketingFromName: 'Новости школы', marketingFromAddress: 'news@tango.example',
    });

    // a password reset
    const user = await createUser(t, { role: 'client', email: 'reset-me@example.com' });
    const anon = request.agent(t.http);
    expect((await formPost(anon, '/password/forgot', '/password/forgot', { email: user.email })).status).toBe(200);
    await t.relay.drain();
    const reset = sink.received.find((m) => m.to.includes(user.email))!;
    expect(reset.from).toBe('hello@tango.example');
    const r = await simpleParser(reset.raw);
    expect(r.from?.value[0]).toEqual({ name: 'Школа танго', address: 'hello@tango.example' });
    expect(r.html).toContain(`<img src="http://kabinet.test/brand/logo/${logoId}" alt="Школа танго"`);
    expect(r.html).toContain('background:#0f5132;color:#ffffff'); // the button in the accent colour
    expect(r.text).toContain('Школа танго · http://kabinet.test');

    // a list confirmation comes from the marketing sender
    const doubleList = await createList(t, { name: 'Письма', optIn: 'double' });
    await t.db.transaction((m) =>
      t.app.get(SubscriptionsService).subscribe(m, { email: 'confirm-me@example.com', name: '', listIds: [doubleList.id] }, { source: 'form', ip: '' }),
    );
    await t.relay.drain();
    const confirm = sink.received.find((m) => m.to.includes('confirm-me@example.com'))!;
    expect(confirm.from).toBe('news@tango.example');

    // a campaign
    const list = await seedList(t.db, 'Weekly', 'brand-weekly');
    await t.db.transaction((m) =>
      t.app.get(SubscriptionsService).subscribe(m, { email: 'reader@example.com', name: 'Reader', listIds: [list.id] }, { source: 'admin', ip: '' }),
    );
    const { id } = await startCampaign(t.db, { subject: 'News', body: 'Hello **{{name}}**', listIds: [list.id] });
    await t.app.get(CampaignSender).runUntilDone(id, { pollMs: 20 });
    const camp = sink.received.find((m) => m.to.includes('reader@example.com'))!;
    expect(camp.from).toBe('news@tango.example');
    const c = await simpleParser(camp.raw);
    expect(c.from?.value[0]).toEqual({ name: 'Новости школы', address: 'news@tango.example' });
    expect(c.html).toContain(`alt="Школа танго"`);
    expect(c.text).toContain('Школа танго · http://kabinet.test');
  });
});
