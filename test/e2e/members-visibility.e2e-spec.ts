import request from 'supertest';
import { CatalogueService } from '../../src/members/catalogue/catalogue.service';
import { ClientAreaService } from '../../src/members/client-area/client-area.service';
import { GrantsService } from '../../src/members/access/grants.service';
import { createFile, createLesson, createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/**
 * What the client area shows besides the grant itself: a draft product stays hidden even from grantees,
 * an archived one stays open to them; the lesson page's cached outline follows catalogue changes; and
 * nothing about access is remembered between requests.
 */
describe('members: product status, outline changes and revokes in the client area', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function client(): Promise<{ id: number; agent: Agent }> {
    const u = await createUser(t);
    return { id: u.id, agent: await loginAgent(t, u.email, u.password) };
  }

  it('a draft product is invisible to grantees (404 everywhere, not in My products) until it is published', async () => {
    const a = await client();
    const p = await createProduct(t, { title: 'Work in progress', status: 'draft' });
    const l = await createLesson(t, p.id, { title: 'Unfinished' });
    const f = await createFile(t, l);
    await grantAccess(t, a.id, p.id);
    const signed = t.app.get(ClientAreaService).signedPath(f.id, a.id, Math.floor(Date.now() / 1000) + 3600);

    const urls = [`/account/products/${p.slug}`, `/account/lessons/${l.id}`, `/account/files/${f.id}`];
    for (const u of urls) expect([u, (await a.agent.get(u)).status]).toEqual([u, 404]);
    await request(t.http).get(signed).expect(404);
    expect((await a.agent.get('/account').expect(200)).text).not.toContain('Work in progress');

    await t.app.get(CatalogueService).update(FACTORY_ACTOR, p.id, { status: 'published' });
    for (const u of urls) expect([u, (await a.agent.get(u)).status]).toEqual([u, 200]);
    await request(t.http).get(signed).expect(200);
    expect((await a.agent.get('/account')).text).toContain('Work in progress');
  });

  it('an archived product stays open to those who hold a grant', async () => {
    const a = await client();
    const p = await createProduct(t, { title: 'Old course' });
    const l = await createLesson(t, p.id);
    const f = await createFile(t, l);
    await grantAccess(t, a.id, p.id);
    await t.app.get(CatalogueService).update(FACTORY_ACTOR, p.id, { status: 'archived' });

    expect((await a.agent.get('/account').expect(200)).text).toContain('Old course');
    await a.agent.get(`/account/products/${p.slug}`).expect(200);
    await a.agent.get(`/account/lessons/${l.id}`).expect(200);
    await a.agent.get(`/account/files/${f.id}`).expect(200);
    // …and only to them
    const b = await client();
    await b.agent.get(`/account/lessons/${l.id}`).expect(404);
  });

  it('the lesson page follows catalogue changes at once: renames, new lessons, new sections', async () => {
    const a = await client();
    const p = await createProduct(t);
    const first = await createLesson(t, p.id, { title: 'First', position: 1 });
    const third = await createLesson(t, p.id, { title: 'Third', position: 3 });
    await grantAccess(t, a.id, p.id);
    const next = async () => (/<nav class="player-pager"[^>]*>([\s\S]*?)<\/nav>/.exec((await a.agent.get(`/account/lessons/${first.id}`).expect(200)).text) ?? [])[1];

    expect(await next()).toContain('Next<span class="visually-hidden">: Third</span>');
    const catalogue = t.app.get(CatalogueService);
    await catalogue.updateLesson(FACTORY_ACTOR, third.id, { title: 'Third, renamed', bodyMd: 'x', position: '3' }, 'UTC');
    expect(await next()).toContain('Next<span class="visually-hidden">: Third, renamed</span>');

    // written straight to the table, as an import would: still seen
    const second = await createLesson(t, p.id, { title: 'Second', position: 2 });
    expect(await next()).toMatch(new RegExp(`href="/account/lessons/${second.id}" rel="next"[^>]*>Next<span class="visually-hidden">: Second</span>`));

    // a section puts its lessons after the loose ones: "First" moves behind "Second" and "Third"
    const s = await catalogue.addSection(FACTORY_ACTOR, p.id, { title: 'Part two' });
    await catalogue.updateLesson(FACTORY_ACTOR, first.id, { title: 'First', bodyMd: 'x', position: '1', sectionId: String(s.id) }, 'UTC');
    const page = await a.agent.get(`/account/lessons/${first.id}`).expect(200);
    expect(page.text).toMatch(new RegExp(`href="/account/lessons/${third.id}" rel="prev"[^>]*>.*Previous<span class="visually-hidden">: Third, renamed</span>`));
    expect(page.text).not.toContain('rel="next"');
  });

  it('a revoke counts from the very next request', async () => {
    const a = await client();
    const p = await createProduct(t);
    const l = await createLesson(t, p.id);
    const f = await createFile(t, l);
    const g = await grantAccess(t, a.id, p.id);
    await a.agent.get(`/account/lessons/${l.id}`).expect(200);
    await a.agent.get(`/account/files/${f.id}`).expect(200);

    await t.db.transaction((m) => t.app.get(GrantsService).revoke(m, FACTORY_ACTOR, g.id, 'refund'));
    await a.agent.get(`/account/lessons/${l.id}`).expect(404);
    await a.agent.get(`/account/files/${f.id}`).expect(404);
  });
});
