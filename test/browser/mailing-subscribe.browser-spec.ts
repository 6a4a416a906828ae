import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { Subscription } from '../../src/mailing/subscribers/entities/subscription.entity';
import { createList } from '../factories/mailing';
import { createUser } from '../factories/users';
import { lastMailTo, linkIn } from '../utils/outbox';
import { BrowserApp, clickAndWait, closeSessions, launchBrowser, openSession, Session, startBrowserApp } from '../utils/browser';
import { loginAgent } from '../utils/test-app';

const unescapeHtml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/**
 * The form snippet from a list's admin page, pasted into another site (another origin), used by a visitor in a
 * real browser: it posts cross-site, a confirmation mail goes out, and only the button on the link's page
 * confirms.
 */
describe('embedded subscribe form in the browser', () => {
  let browser: Browser;
  let app: BrowserApp;
  let site: http.Server;
  const sessions: Session[] = [];

  beforeAll(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startBrowserApp()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((r) => site?.close(r));
  });
  afterEach(() => closeSessions(sessions));

  it('subscribes from another site with double opt-in', async () => {
    const list = await createList(app, { name: 'Weekly letter', optIn: 'double', isPublic: true });
    await createUser(app, { email: 'owner@example.com', password: 'owner password 1', role: 'owner' });
    const admin = await loginAgent(app, 'owner@example.com', 'owner password 1');
    const page = await admin.get(`/admin/mailing/lists/${list.id}`);
    expect(page.status).toBe(200);
    const snippet = unescapeHtml(/<textarea[^>]*data-test="embed-snippet"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.text)![1]);
    expect(snippet).toContain(`action="${app.baseUrl}/subscribe"`);

    // Another origin: localhost instead of 127.0.0.1, another port.
    site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Blog</title><h1>My blog</h1>${snippet}`));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;

    const session = await openSession(browser, app, { locale: 'en-US' });
    sessions.push(session);
    const { page: tab } = session;
    await tab.goto(siteUrl);
    await tab.fill('input[name="email"]', 'Reader@Example.com');
    await tab.fill('input[name="name"]', 'Reader');
    await tab.check('input[name="consent"]');
    await clickAndWait(tab, tab.locator('button[type="submit"]'));
    expect(tab.url()).toContain(`${app.baseUrl}/subscribe/thanks`);

    const subscriber = await app.db.manager.findOneByOrFail(Subscriber, { email: 'reader@example.com' });
    expect((await app.db.manager.findOneByOrFail(Subscription, { subscriberId: subscriber.id, listId: list.id })).status).toBe('unconfirmed');
    const mail = await lastMailTo(app, 'reader@example.com');
    const link = linkIn(mail.text, '/mailing/confirm/');

    // Opening the link (as a mail scanner would) confirms nothing; the button does.
    await tab.goto(link);
    expect(await tab.locator('[data-test="confirm-state"]').getAttribute('data-state')).toBe('ask');
    expect((await app.db.manager.findOneByOrFail(Subscription, { subscriberId: subscriber.id, listId: list.id })).status).toBe('unconfirmed');
    await clickAndWait(tab, tab.locator('main form button[type="submit"]'));
    expect(await tab.locator('[data-test="confirm-state"]').getAttribute('data-state')).toBe('confirmed');
    expect((await app.db.manager.findOneByOrFail(Subscription, { subscriberId: subscriber.id, listId: list.id })).status).toBe('confirmed');
    const events = await app.db.manager.find(ConsentEvent, { where: { subscriberId: subscriber.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.action, e.source])).toEqual([
      ['pending', 'form'],
      ['confirmed', 'link'],
    ]);
    expect(events[0].ip).toMatch(/127\.0\.0\.1/);
  });
});
