import { randomBytes } from 'node:crypto';
import { Actor } from '../../src/audit/actor';
import { AuditModule } from '../../src/audit/audit.module';
import { AppError } from '../../src/common/errors/app-error';
import { isGrantActive, isGrantOver } from '../../src/members/access/access-rule';
import { AccessService } from '../../src/members/access/access.service';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { GrantsRepository } from '../../src/members/access/grants.repository';
import { GrantsService } from '../../src/members/access/grants.service';
import { MembersModule } from '../../src/members/members.module';
import { ProductsRepository } from '../../src/members/catalogue/products.repository';
import { UsersModule } from '../../src/users/users.module';
import { UsersService } from '../../src/users/users.service';
import { startTestContext, TestContext } from '../utils/test-context';

const SECOND = 1000;
const HOUR = 3600_000;
const DAY = 86400_000;
/** The instant the checks ask about: fixed, in whole seconds, so no answer depends on the clock. */
const NOW = new Date('2031-03-10T12:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const ACTOR: Actor = { userId: null, label: 'medium-test', ip: '' };

/**
 * The access rule through the members services on a real database, without HTTP: the client area's check
 * (AccessService, SQL), "My products" (GrantsRepository.listAccessForClient, SQL) and the predicate the admin
 * pages show (isGrantActive) give the same answer for every kind of grant, at and around its boundaries.
 */
describe('members: the access rule (service and real database, no HTTP)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext([UsersModule, AuditModule, MembersModule]);
  });
  afterAll(() => t.close());

  async function client(): Promise<number> {
    const u = await t.db.transaction((m) => t.ctx.get(UsersService).create(m, { email: `c-${randomBytes(4).toString('hex')}@example.com`, role: 'client' }));
    return u.id;
  }

  async function product(): Promise<number> {
    const slug = `p-${randomBytes(4).toString('hex')}`;
    const p = await t.db.transaction((m) =>
      t.ctx.get(ProductsRepository).insert(m, { slug, title: slug, description: null, priceLabel: '', status: 'published', endGrantOnRefund: true }),
    );
    return p.id;
  }

  function grant(clientId: number, productId: number, startsAt: Date, endsAt: Date | null): Promise<Grant> {
    return t.db.transaction((m) => t.ctx.get(GrantsService).grant(m, ACTOR, { clientId, productId, source: 'manual', startsAt, endsAt }));
  }

  async function revoke(g: Grant): Promise<void> {
    await t.db.transaction((m) => t.ctx.get(GrantsService).revoke(m, ACTOR, g.id, 'test'));
  }

  /** The grant that gives access at `when`, as every form of the rule sees it; they must agree. */
  async function access(clientId: number, productId: number, when: Date): Promise<number | null> {
    const checked = await t.ctx
      .get(AccessService)
      .requireGrant(clientId, productId, when)
      .then(
        (g) => g.id,
        (e: unknown) => {
          if (e instanceof AppError && e.kind === 'not_found') return null;
          throw e;
        },
      );
    const listed = (await t.ctx.get(GrantsRepository).listAccessForClient(clientId, when)).find((g) => g.productId === productId)?.id ?? null;
    const rows = await t.db.manager.findBy(Grant, { clientId, productId });
    const active = rows.filter((g) => isGrantActive(g, when));
    expect(listed).toBe(checked);
    expect(active.some((g) => g.id === checked)).toBe(checked !== null);
    expect(active.length > 0).toBe(checked !== null);
    return checked;
  }

  it('a grant that has not started gives no access until its start, then does', async () => {
    const [c, p] = [await client(), await product()];
    const g = await grant(c, p, at(HOUR), null);
    expect(await access(c, p, NOW)).toBeNull();
    expect(await access(c, p, at(HOUR - SECOND))).toBeNull();
    expect(await access(c, p, at(HOUR))).toBe(g.id);
    expect(isGrantOver(g, NOW)).toBe(false);
  });

  it('a grant that has ended gives no access; its end is exclusive', async () => {
    const [c, p] = [await client(), await product()];
    const g = await grant(c, p, at(-10 * DAY), at(-DAY));
    expect(await access(c, p, NOW)).toBeNull();
    expect(await access(c, p, at(-DAY))).toBeNull();
    expect(await access(c, p, at(-DAY - SECOND))).toBe(g.id);
    expect(isGrantOver(g, NOW)).toBe(true);
  });

  it('a revoked grant gives no access, whatever its dates', async () => {
    const [c, p] = [await client(), await product()];
    const g = await grant(c, p, at(-DAY), null);
    expect(await access(c, p, NOW)).toBe(g.id);
    await revoke(g);
    expect(await access(c, p, NOW)).toBeNull();
    expect(await access(c, p, at(365 * DAY))).toBeNull();
    expect(isGrantOver((await t.db.manager.findOneByOrFail(Grant, { id: g.id })), NOW)).toBe(true);
  });

  it('an endless grant gives access from its start on, for ever', async () => {
    const [c, p] = [await client(), await product()];
    const g = await grant(c, p, at(-DAY), null);
    expect(await access(c, p, NOW)).toBe(g.id);
    expect(await access(c, p, at(100 * 365 * DAY))).toBe(g.id);
    expect(await access(c, p, at(-DAY - SECOND))).toBeNull();
  });

  it('a grant ending in the future gives access until the last second before its end', async () => {
    const [c, p] = [await client(), await product()];
    const g = await grant(c, p, at(-DAY), at(DAY));
    expect(await access(c, p, NOW)).toBe(g.id);
    expect(await access(c, p, at(DAY - SECOND))).toBe(g.id);
    expect(await access(c, p, at(DAY))).toBeNull();
  });

  it('a client with two grants of a product has access while either is active, through the one that lasts longer', async () => {
    const [c, p, other] = [await client(), await product(), await product()];
    const short = await grant(c, p, at(-5 * DAY), at(DAY));
    const long = await grant(c, p, at(-DAY), at(10 * DAY));
    await grant(c, other, at(-DAY), null); // access to another product counts for nothing here
    expect(await access(c, p, NOW)).toBe(long.id);
    expect(await access(c, p, at(2 * DAY))).toBe(long.id);
    expect(await access(c, p, at(10 * DAY))).toBeNull();
    // before the long one started, the short one gave access alone
    expect(await access(c, p, at(-2 * DAY))).toBe(short.id);

    await revoke(long);
    expect(await access(c, p, NOW)).toBe(short.id);
    expect(await access(c, p, at(2 * DAY))).toBeNull();
    // another client's grant gives this client nothing
    expect(await access(await client(), p, NOW)).toBeNull();
  });
});
