import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ClientNote } from '../../src/clients/entities/client-note.entity';
import { AppError } from '../../src/common/errors/app-error';
import { OffboardingCase } from '../../src/offboarding/entities/offboarding-case.entity';
import { OffboardingStep } from '../../src/offboarding/entities/offboarding-step.entity';
import { CaseInput, CaseView, FaultPoint, OFFBOARDING_STEPS, OffboardingActor, StepName } from '../../src/offboarding/offboarding.contract';
import { OffboardingFaults } from '../../src/offboarding/offboarding-faults';
import { OffboardingService } from '../../src/offboarding/offboarding.service';
import { RunCase, STEP_MAX_ATTEMPTS, STEP_RETRY_BASE_MS } from '../../src/offboarding/usecases/run-case.usecase';
import { SettingsService } from '../../src/settings/settings.service';
import { effectBody, TEST_STEPS, TestOffboardingStepsModule } from '../fakes/offboarding-test-steps';
import { createUser } from '../factories/users';
import { startTestApp, TestApp } from '../utils/test-app';

const MIN = 60_000;

describe('offboarding engine: the runner, approval, cancel, retry and skip, the API (with test steps)', () => {
  let t: TestApp;
  let svc: OffboardingService;
  let runner: RunCase;
  let faults: OffboardingFaults;
  let owner: OffboardingActor;
  let admin: OffboardingActor;
  let staff: OffboardingActor;
  let apiKey: string;

  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${apiKey}`);
  const input = (o: Partial<CaseInput> = {}): CaseInput => ({ reason: 'The terms were not kept', evidence: ['/admin/tickets/1'], steps: [...OFFBOARDING_STEPS], when: 'now', ...o });
  const client = async () => (await createUser(t, { role: 'client' })).id;
  const effects = async (caseId: number, step: StepName) =>
    t.db.manager.countBy(ClientNote, { body: effectBody(`offboarding:${caseId}:${step}`) });
  const allEffects = async (caseId: number) => Object.fromEntries(await Promise.all(OFFBOARDING_STEPS.map(async (s) => [s, await effects(caseId, s)] as const)));
  const once = Object.fromEntries(OFFBOARDING_STEPS.map((s) => [s, 1]));
  const statuses = (c: CaseView) => Object.fromEntries(c.steps.map((s) => [s.name, s.status]));
  const setSetting = (name: string, value: string) => t.app.get(SettingsService).update(owner, { [name]: value });
  const counts = async () => ({
    cases: await t.db.manager.count(OffboardingCase),
    steps: await t.db.manager.count(OffboardingStep),
    notes: await t.db.manager.count(ClientNote),
    audit: await t.db.manager.count(AuditEntry),
  });
  const expectError = async (p: Promise<unknown>, status: number, code?: string) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(status);
    if (code) expect((e as AppError).code).toBe(code);
  };

  beforeAll(async () => {
    t = await startTestApp({ offboardingSteps: TestOffboardingStepsModule });
    svc = t.app.get(OffboardingService);
    runner = t.app.get(RunCase);
    faults = t.app.get(OffboardingFaults);
    const mk = async (role: 'owner' | 'admin' | 'staff') => {
      const u = await createUser(t, { role });
      return { userId: u.id, label: u.email, ip: '', role };
    };
    owner = await mk('owner');
    admin = await mk('admin');
    staff = await mk('staff');
    apiKey = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'offboarding')).key;
  });
  beforeEach(() => {
    TEST_STEPS.reset();
    faults.disarm();
  });
  afterAll(() => t.close());

  it('an owner\'s case runs at once: every step once, the case done, the client\'s slot freed, the sent notice kept, all audited', async () => {
    const clientId = await client();
    const { case: c, created } = await svc.open(owner, clientId, input());
    expect(created).toBe(true);
    expect(c.status).toBe('done');
    expect(statuses(c)).toEqual({ notice: 'done', refund: 'done', revoke: 'done', unsubscribe: 'done', ban: 'done' });
    expect(c.steps.map((s) => s.idempotencyKey)).toEqual(OFFBOARDING_STEPS.map((s) => `offboarding:${c.id}:${s}`));
    expect(c.steps.every((s) => s.attempts === 1 && s.actorLabel === 'system' && s.startedAt && s.finishedAt)).toBe(true);
    expect(c.noticeSent).toMatchObject({ subject: 'Our work together', body: 'Hello', locale: 'en' });
    expect(c.finishedAt).not.toBeNull();
    expect(await allEffects(c.id)).toEqual(once);
    const row = await t.db.manager.findOneByOrFail(OffboardingCase, { id: c.id });
    expect(row.activeClientId).toBeNull();
    expect(row.lockedUntil).toBeNull();
    const actions = (await t.db.manager.find(AuditEntry, { where: { subjectType: 'client', subjectId: String(clientId) } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['offboarding.open', 'offboarding.step_done', 'offboarding.done']));
    // a later case for the same client is a new one, with fresh keys
    const again = await svc.open(owner, clientId, input({ steps: ['ban'] }));
    expect(again.created).toBe(true);
    expect(again.case.id).not.toBe(c.id);
    expect(statuses(again.case)).toEqual({ notice: 'skipped', refund: 'skipped', revoke: 'skipped', unsubscribe: 'skipped', ban: 'done' });
  });

  it.each(OFFBOARDING_STEPS.map((s) => [`after-step:${s}` as FaultPoint]).concat([['refund:between-call-and-record'], ['notice:before-commit']]))(
    'a crash at %s, then resume: each side effect exactly once',
    async (point) => {
      const clientId = await client();
      faults.arm(point);
      const first = await svc.open(owner, clientId, input());
      expect(first.case.status).toBe('running');
      expect(first.case.steps.some((s) => s.status !== 'done')).toBe(point !== 'after-step:ban');
      if (point === 'refund:between-call-and-record') expect(statuses(first.case).refund).toBe('running');
      if (point === 'notice:before-commit') {
        expect(statuses(first.case).notice).toBe('pending');
        expect(await effects(first.case.id, 'notice')).toBe(0);
      }
      // the process "restarts": the periodic pass resumes where it stopped (after the last step: it only settles)
      expect(await runner.runDue(new Date())).toBeGreaterThanOrEqual(1);
      const c = await svc.get(first.case.id);
      expect(c.status).toBe('done');
      expect(await allEffects(c.id)).toEqual(once);
    },
  );

  it('a retryable failure waits with backoff while the other steps run, then the retry makes one effect', async () => {
    const clientId = await client();
    TEST_STEPS.script.set('refund', ['effect-then-500']);
    const opened = (await svc.open(owner, clientId, input())).case;
    expect(opened.status).toBe('running');
    expect(statuses(opened)).toEqual({ notice: 'done', refund: 'retrying', revoke: 'done', unsubscribe: 'done', ban: 'done' });
    const refund = opened.steps.find((s) => s.name === 'refund')!;
    expect(refund.lastError).toMatch(/500/);
    expect(refund.nextAttemptAt!.getTime() - opened.startedAt!.getTime()).toBeGreaterThanOrEqual(STEP_RETRY_BASE_MS - 1000);
    // not due yet
    await runner.runDue(new Date());
    expect(statuses(await svc.get(opened.id)).refund).toBe('retrying');
    await runner.runDue(new Date(Date.now() + STEP_RETRY_BASE_MS + 1000));
    const c = await svc.get(opened.id);
    expect(c.status).toBe('done');
    expect(c.steps.find((s) => s.name === 'refund')).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    expect(await allEffects(c.id)).toEqual(once);
  });

  it('gives up after the last attempt: attention; only an owner or admin retries or skips', async () => {
    const clientId = await client();
    TEST_STEPS.script.set('unsubscribe', Array(STEP_MAX_ATTEMPTS).fill('fail'));
    const opened = (await svc.open(owner, clientId, input())).case;
    let at = Date.now();
    for (let i = 1; i < STEP_MAX_ATTEMPTS; i++) {
      at += STEP_RETRY_BASE_MS * 2 ** i;
      await runner.runDue(new Date(at));
    }
    let c = await svc.get(opened.id);
    expect(c.status).toBe('attention');
    expect(c.steps.find((s) => s.name === 'unsubscribe')).toMatchObject({ status: 'failed', attempts: STEP_MAX_ATTEMPTS });
    expect(TEST_STEPS.calls.get('unsubscribe')).toBe(STEP_MAX_ATTEMPTS);
    expect(await effects(c.id, 'unsubscribe')).toBe(0);
    // the open-case slot is still taken: the case is not over
    expect((await t.db.manager.findOneByOrFail(OffboardingCase, { id: c.id })).activeClientId).toBe(clientId);
    await expectError(svc.retry(staff, c.id, 'unsubscribe'), 403, 'offboarding.owner_or_admin');
    await expectError(svc.retry(owner, c.id, 'notice'), 409, 'offboarding.step_wrong_state');
    c = await svc.retry(owner, c.id, 'unsubscribe');
    expect(c.status).toBe('done');
    expect(c.steps.find((s) => s.name === 'unsubscribe')).toMatchObject({ status: 'done' });
    expect(await allEffects(c.id)).toEqual(once);

    // a step that fails for good is not retried by itself; the owner skips it
    const other = await client();
    TEST_STEPS.script.set('ban', ['fail-for-good']);
    const second = (await svc.open(owner, other, input())).case;
    expect(second.status).toBe('attention');
    expect(second.steps.find((s) => s.name === 'ban')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'ban refused' });
    await expectError(svc.skip(staff, second.id, 'ban'), 403);
    await expectError(svc.skip(owner, second.id, 'notice'), 409, 'offboarding.step_wrong_state');
    const skipped = await svc.skip(owner, second.id, 'ban');
    expect(skipped.status).toBe('done');
    expect(skipped.steps.find((s) => s.name === 'ban')).toMatchObject({ status: 'skipped', actorLabel: owner.label });
  });

  it('a step that throws is retried like a passing failure; a waiting step is asked again later', async () => {
    const clientId = await client();
    TEST_STEPS.script.set('revoke', ['throw']);
    TEST_STEPS.script.set('refund', ['wait']);
    const c = (await svc.open(owner, clientId, input())).case;
    expect(statuses(c)).toMatchObject({ revoke: 'retrying', refund: 'waiting', notice: 'done' });
    expect(c.steps.find((s) => s.name === 'revoke')!.lastError).toBe('revoke threw');
    expect(await effects(c.id, 'revoke')).toBe(0);
    await runner.runDue(new Date(Date.now() + 10 * MIN));
    const done = await svc.get(c.id);
    expect(done.status).toBe('done');
    // asking again about an outside answer is not another attempt
    expect(done.steps.find((s) => s.name === 'refund')!.attempts).toBe(1);
    expect(await allEffects(c.id)).toEqual(once);
  });

  it('two runners on one case at once run each step once', async () => {
    const clientId = await client();
    const runAt = new Date(Date.now() + 60 * MIN);
    const c = (await svc.open(owner, clientId, input({ when: runAt }))).case;
    expect(c.status).toBe('scheduled');
    TEST_STEPS.refundDelayMs = 300;
    const later = new Date(runAt.getTime() + MIN);
    const ran = await Promise.all([runner.execute(c.id, later), runner.execute(c.id, later), runner.runDue(later)]);
    expect(ran.filter((r) => r === true || r === 1)).toHaveLength(1);
    expect((await svc.get(c.id)).status).toBe('done');
    expect(await allEffects(c.id)).toEqual(once);
    expect(TEST_STEPS.calls.get('refund')).toBe(1);
  });

  it('a double click and two workers make one case', async () => {
    const clientId = await client();
    const [a, b, d] = await Promise.all([svc.open(owner, clientId, input()), svc.open(admin, clientId, input()), svc.open(owner, clientId, input())]);
    expect([a, b, d].filter((r) => r.created)).toHaveLength(1);
    expect(new Set([a.case.id, b.case.id, d.case.id]).size).toBe(1);
    expect(await t.db.manager.countBy(OffboardingCase, { clientId })).toBe(1);
    expect(await allEffects(a.case.id)).toEqual(once);

    // through the API: 201 then 200 with the same case
    const other = await client();
    const body = { reason: 'Repeated abuse in tickets', when: '2099-01-01' };
    const [r1, r2] = await Promise.all([api('post', `/api/admin/clients/${other}/offboarding`).send(body), api('post', `/api/admin/clients/${other}/offboarding`).send(body)]);
    expect([r1.status, r2.status].sort()).toEqual([200, 201]);
    expect(r1.body.case.id).toBe(r2.body.case.id);
    expect(r1.body.case.status).toBe('scheduled');
  });

  it('approval: staff propose; under the refund limit staff run; staff cannot approve; an admin approves and it runs', async () => {
    await setSetting('offboardingStaffRefundLimit', '');
    const c1 = await client();
    TEST_STEPS.refundTotalMinor = 100;
    const proposed = (await svc.open(staff, c1, input())).case;
    expect(proposed.status).toBe('proposed');
    expect(proposed.can).toEqual({ approve: true, cancel: true, reinstate: false });
    expect(proposed.steps.every((s) => s.status === 'pending')).toBe(true);
    expect(await allEffects(proposed.id)).toEqual(Object.fromEntries(OFFBOARDING_STEPS.map((s) => [s, 0])));
    expect((await svc.preview(staff, c1, input())).approval).toEqual({ required: true, why: 'staff' });
    expect((await svc.preview(owner, c1, input())).approval).toEqual({ required: false, why: null });
    await expectError(svc.approve(staff, proposed.id), 403, 'offboarding.owner_or_admin');
    // the periodic pass leaves a proposed case alone
    await runner.runDue(new Date(Date.now() + 60 * MIN));
    expect((await svc.get(proposed.id)).status).toBe('proposed');
    const approved = await svc.approve(admin, proposed.id);
    expect(approved.status).toBe('done');
    expect(approved.approvedBy).toBe(admin.label);
    expect(await allEffects(proposed.id)).toEqual(once);
    await expectError(svc.approve(admin, proposed.id), 409, 'offboarding.wrong_state');

    await setSetting('offboardingStaffRefundLimit', '5000');
    TEST_STEPS.refundTotalMinor = 5000;
    const under = (await svc.open(staff, await client(), input())).case;
    expect(under.status).toBe('done');
    TEST_STEPS.refundTotalMinor = 5001;
    const c3 = await client();
    expect((await svc.preview(staff, c3, input())).approval).toEqual({ required: true, why: 'over_limit' });
    const over = (await svc.open(staff, c3, input())).case;
    expect(over.status).toBe('proposed');
    // a scheduled proposal, approved, waits for its date
    const c4 = await client();
    const runAt = new Date(Date.now() + 60 * MIN);
    const later = (await svc.open(staff, c4, input({ when: runAt }))).case;
    expect(later.status).toBe('proposed');
    expect((await svc.approve(owner, later.id)).status).toBe('scheduled');
    await setSetting('offboardingStaffRefundLimit', '');
  });

  it('cancel only before it starts; a scheduled case runs when its date comes', async () => {
    const clientId = await client();
    const runAt = new Date(Date.now() + 60 * MIN);
    const scheduled = (await svc.open(owner, clientId, input({ when: runAt }))).case;
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.runAt.getTime()).toBe(runAt.getTime());
    expect(await runner.runDue(new Date())).toBe(0);
    const canceled = await svc.cancel(owner, scheduled.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.steps.every((s) => s.status === 'skipped')).toBe(true);
    await expectError(svc.cancel(owner, scheduled.id), 409, 'offboarding.wrong_state');
    await runner.runDue(new Date(runAt.getTime() + MIN));
    expect(await allEffects(scheduled.id)).toEqual(Object.fromEntries(OFFBOARDING_STEPS.map((s) => [s, 0])));

    // the slot is free again: a new case, which runs when due
    const next = (await svc.open(owner, clientId, input({ when: runAt }))).case;
    expect(next.id).not.toBe(scheduled.id);
    await runner.runDue(new Date(runAt.getTime() + MIN));
    const ran = await svc.get(next.id);
    expect(ran.status).toBe('done');
    expect(ran.startedAt).not.toBeNull();
    await expectError(svc.cancel(owner, next.id), 409, 'offboarding.wrong_state');
    // a staff member cancels only their own proposal
    const mine = (await svc.open(staff, await client(), input())).case;
    const theirs = (await svc.open(admin, await client(), input({ when: runAt }))).case;
    expect((await svc.cancel(staff, mine.id)).status).toBe('canceled');
    await expectError(svc.cancel(staff, theirs.id), 403);
  });

  it('reinstates a finished case once, in one transaction with its record', async () => {
    const clientId = await client();
    const c = (await svc.open(owner, clientId, input())).case;
    expect(c.can.reinstate).toBe(true);
    expect(await svc.reinstateOptions(c.id)).toEqual({ grants: [], banned: false, accountDisabled: true });
    await expectError(svc.reinstate(owner, c.id, { grantIds: [99], liftBan: true, reopenAccount: true, sendWelcomeBack: false }), 400);
    await expectError(svc.reinstate(staff, c.id, { grantIds: [], liftBan: true, reopenAccount: true, sendWelcomeBack: false }), 403);
    const r = await svc.reinstate(owner, c.id, { grantIds: [], liftBan: true, reopenAccount: true, sendWelcomeBack: false });
    expect(r.status).toBe('reinstated');
    expect(r.reinstatement).toMatchObject({ by: owner.label, result: { accountReopened: true } });
    expect(await t.db.manager.countBy(ClientNote, { body: `reinstated:${c.id}` })).toBe(1);
    await expectError(svc.reinstate(owner, c.id, { grantIds: [], liftBan: true, reopenAccount: true, sendWelcomeBack: false }), 409);
    // refused while a case is open
    const open = (await svc.open(owner, await client(), input({ when: new Date(Date.now() + 60 * MIN) }))).case;
    await expectError(svc.reinstate(owner, open.id, { grantIds: [], liftBan: false, reopenAccount: false, sendWelcomeBack: false }), 409);
  });

  it('bulk: one case per client, refusals by code, a repeat finds the same cases', async () => {
    const a = await client();
    const b = await client();
    const body = { clientIds: [a, b, staff.userId, 987654], reason: 'Closing the group', steps: ['revoke', 'ban'], when: 'now' };
    const res = await api('post', '/api/admin/offboarding/bulk').send(body).expect(200);
    expect(res.body.opened).toHaveLength(2);
    expect(res.body.opened.every((o: { created: boolean }) => o.created)).toBe(true);
    expect(res.body.refused).toEqual([
      { clientId: staff.userId, code: 'offboarding.client_not_found' },
      { clientId: 987654, code: 'offboarding.client_not_found' },
    ]);
    for (const o of res.body.opened as { caseId: number }[]) {
      const c = await svc.get(o.caseId);
      expect(c.status).toBe('done');
      expect(statuses(c)).toEqual({ notice: 'skipped', refund: 'skipped', revoke: 'done', unsubscribe: 'skipped', ban: 'done' });
    }
    // scheduled ones are still open: a repeat of the request finds them
    const c = await client();
    const later = { clientIds: [c, a], reason: 'Closing the group', when: '2099-01-01' };
    const first = await api('post', '/api/admin/offboarding/bulk').send(later).expect(200);
    const repeat = await api('post', '/api/admin/offboarding/bulk').send(later).expect(200);
    expect(first.body.opened.map((o: { created: boolean }) => o.created)).toEqual([true, true]);
    expect(repeat.body.opened.map((o: { created: boolean }) => o.created)).toEqual([false, false]);
    expect(repeat.body.opened.map((o: { caseId: number }) => o.caseId)).toEqual(first.body.opened.map((o: { caseId: number }) => o.caseId));
    expect(await t.db.manager.countBy(OffboardingCase, { clientId: c })).toBe(1);
    await api('post', '/api/admin/offboarding/bulk').send({ ...body, clientIds: [] }).expect(400);
    await api('post', '/api/admin/offboarding/bulk').send({ ...body, steps: ['nope'] }).expect(400);
  });

  it('the API: shapes, the dry run changes nothing, 400/404/409 with field names', async () => {
    const clientId = await client();
    const before = await counts();
    const dry = await api('post', `/api/admin/clients/${clientId}/offboarding?dryRun=true`).send({ reason: 'Not kept', steps: ['notice', 'refund'] }).expect(200);
    expect(dry.body).toMatchObject({ steps: ['notice', 'refund'], refundTotalMinor: 0, approval: { required: false, why: null } });
    expect(await counts()).toEqual(before);

    const bad = await api('post', `/api/admin/clients/${clientId}/offboarding`).send({ steps: ['revoke', 'x'] }).expect(400);
    expect(Object.keys(bad.body.error.details.fields ?? bad.body.error.fields ?? {})).toEqual(expect.arrayContaining(['reason']));
    const blank = await api('post', `/api/admin/clients/${clientId}/offboarding`).send({ reason: '  ', steps: [] }).expect(400);
    expect(JSON.stringify(blank.body)).toMatch(/reason/);
    expect(JSON.stringify(blank.body)).toMatch(/steps/);
    await api('post', `/api/admin/clients/${clientId}/offboarding`).send({ reason: 'x', when: 'tomorrow' }).expect(400);
    await api('post', `/api/admin/clients/${clientId}/offboarding`).send({ reason: 'x', refunds: [{ orderId: 1, amountMinor: -5 }] }).expect(400);
    await api('post', `/api/admin/clients/${clientId}/offboarding?dryRun=maybe`).send({ reason: 'x' }).expect(400);
    await api('post', `/api/admin/clients/${staff.userId}/offboarding`).send({ reason: 'x' }).expect(404);
    await api('post', '/api/admin/clients/99999999/offboarding').send({ reason: 'x' }).expect(404);
    await api('get', '/api/admin/offboarding/99999999').expect(404);
    await api('get', '/api/admin/offboarding/abc').expect(404);
    expect(await counts()).toEqual(before);

    const opened = await api('post', `/api/admin/clients/${clientId}/offboarding`)
      .send({ reason: 'Not kept', evidence: ['/admin/tickets/7'], notice: { subject: 'Our work together', body: 'Hello {{name}}' }, banDomain: false })
      .expect(201);
    expect(opened.body).toMatchObject({ created: true, case: { status: 'done', client: { id: clientId }, reason: 'Not kept', evidence: ['/admin/tickets/7'] } });
    const id = opened.body.case.id as number;
    const got = await api('get', `/api/admin/offboarding/${id}`).expect(200);
    expect(got.body.status).toBe('done');
    expect(got.body.steps.map((s: { name: string }) => s.name)).toEqual([...OFFBOARDING_STEPS]);
    expect(got.body.steps[0]).toEqual(expect.objectContaining({ name: 'notice', status: 'done', attempts: 1, result: expect.any(Object) }));
    await api('post', `/api/admin/offboarding/${id}/approve`).expect(409);
    await api('post', `/api/admin/offboarding/${id}/cancel`).expect(409);
    await api('post', `/api/admin/offboarding/${id}/retry`).send({}).expect(409);
    await api('post', `/api/admin/offboarding/${id}/retry`).send({ step: 'refund' }).expect(409);
    await api('post', `/api/admin/offboarding/${id}/retry`).expect(415);
    await api('post', `/api/admin/offboarding/${id}/skip`).send({ step: 'nope' }).expect(400);
    await api('post', `/api/admin/offboarding/${id}/reinstate`).send({ grantIds: [], liftBan: 'yes' }).expect(400);
    const list = await api('get', `/api/admin/offboarding?clientId=${clientId}&status=done`).expect(200);
    expect(list.body).toMatchObject({ total: 1, items: [{ id, status: 'done', client: { id: clientId } }] });
    await api('get', '/api/admin/offboarding?status=nope').expect(400);
    const reinstated = await api('post', `/api/admin/offboarding/${id}/reinstate`).send({ grantIds: [], liftBan: true, reopenAccount: true, sendWelcomeBack: true }).expect(200);
    expect(reinstated.body.status).toBe('reinstated');

    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/admin/clients/{id}/offboarding', '/api/admin/offboarding', '/api/admin/offboarding/{caseId}', '/api/admin/offboarding/{caseId}/approve', '/api/admin/offboarding/bulk']),
    );
  });
});
