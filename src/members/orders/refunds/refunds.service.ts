import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../../audit/actor';
import { AuditService } from '../../../audit/audit.service';
import { AppError } from '../../../common/errors/app-error';
import { Database, isUniqueViolation } from '../../../database/database.service';
import { formatMinor } from '../orders.service';
import { Order } from '../entities/order.entity';
import { Refund, RefundAdapterName, RefundStatus } from './entities/refund.entity';
import { isFinalRefund, nextRefundStatus, RefundOutcome } from './refund-adapter';
import { RefundAdapters } from './refund-adapters';
import { RefundsRepository } from './refunds.repository';
import { RefundView, toRefundView } from './refund.views';

const KEY_RE = /^[A-Za-z0-9:_\-.]{1,191}$/;
/** requestMany(): adapter calls in flight at once (a provider's API, not our database, is the limit). */
const CALLS_AT_ONCE = 4;

/**
 * Refunds of orders, each under an idempotency key (the offboarding step's is `offboarding:<caseId>:<orderId>`),
 * in three phases so that a crash anywhere makes at most one refund at the provider:
 * 1. one transaction writes the row (`started`, attempt counted, the adapter chosen) and commits;
 * 2. the adapter is called outside any transaction; for a row that existed and whose outcome is not known
 *    (`started` after a crash, `unknown` after a 5xx or a timeout) it is first asked `lookup(key)`, and only a
 *    definite "none" leads to a new `refund()` call, with the same key;
 * 3. a second transaction records the answer. A final status (succeeded, failed) never changes again.
 */
@Injectable()
export class RefundsService {
  private readonly log = new Logger('Refunds');

  constructor(
    private readonly db: Database,
    private readonly refunds: RefundsRepository,
    private readonly adapters: RefundAdapters,
    private readonly audit: AuditService,
  ) {}

  /** `hooks.afterCall`: run after the adapter answered and before the answer is recorded (the offboarding crash tests). */
  async request(orderId: number, amountMinor: number, key: string, actor: Actor, hooks?: { afterCall?: () => void | Promise<void> }): Promise<RefundView> {
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw AppError.validation({ amountMinor: 'must be a whole number of minor units above 0' }, 'The refund amount must be a whole number of minor units above 0');
    if (!KEY_RE.test(key)) throw AppError.validation({ key: 'must be 1–191 letters, digits and : _ - .' }, 'Invalid idempotency key');
    const { row, fresh } = await this.begin(orderId, amountMinor, key, actor);
    if (row.status !== 'started' && row.status !== 'unknown') return toRefundView(row);
    const outcome = await this.call(row, fresh);
    await hooks?.afterCall?.();
    return toRefundView(await this.record(row.id, outcome, actor));
  }

  /**
   * Many refunds at once (an offboarding case refunds every order of a client), with the same three phases and
   * guarantees as request(), but each phase once for all of them: one transaction writes every new row, the
   * adapters are called (a few at a time), one transaction records every answer. A refund that cannot be asked
   * for (more than is left, a key used for another refund) is answered as its error; the others go ahead.
   */
  async requestMany(items: { orderId: number; amountMinor: number; key: string }[], actor: Actor, hooks?: { afterCall?: () => void | Promise<void> }): Promise<({ ok: true; refund: RefundView } | { ok: false; error: AppError })[]> {
    const out: ({ ok: true; refund: RefundView } | { ok: false; error: AppError })[] = new Array(items.length);
    const valid: number[] = [];
    items.forEach((it, i) => {
      if (!Number.isSafeInteger(it.amountMinor) || it.amountMinor <= 0) out[i] = { ok: false, error: AppError.validation({ amountMinor: 'must be a whole number of minor units above 0' }, 'The refund amount must be a whole number of minor units above 0') };
      else if (!KEY_RE.test(it.key)) out[i] = { ok: false, error: AppError.validation({ key: 'must be 1–191 letters, digits and : _ - .' }, 'Invalid idempotency key') };
      else valid.push(i);
    });
    if (!valid.length) return out;
    const begun = await this.beginManyRetrying(valid.map((i) => items[i]), actor);
    const toCall: { at: number; row: Refund; fresh: boolean }[] = [];
    begun.forEach((b, j) => {
      const i = valid[j];
      if ('error' in b) out[i] = { ok: false, error: b.error };
      else if (b.row.status !== 'started' && b.row.status !== 'unknown') out[i] = { ok: true, refund: toRefundView(b.row) };
      else toCall.push({ at: i, row: b.row, fresh: b.fresh });
    });
    if (!toCall.length) return out;
    const outcomes: RefundOutcome[] = new Array(toCall.length);
    for (let k = 0; k < toCall.length; k += CALLS_AT_ONCE) {
      await Promise.all(toCall.slice(k, k + CALLS_AT_ONCE).map(async (c, n) => (outcomes[k + n] = await this.call(c.row, c.fresh))));
    }
    await hooks?.afterCall?.();
    const recorded = await this.recordMany(
      toCall.map((c, n) => ({ id: c.row.id, outcome: outcomes[n] })),
      actor,
    );
    toCall.forEach((c, n) => (out[c.at] = { ok: true, refund: toRefundView(recorded[n]) }));
    return out;
  }

  /** Looks a refund that is still open (pending, unknown, started) up again; for a retry of a paused step. */
  async refresh(key: string, actor: Actor): Promise<RefundView | null> {
    const row = await this.refunds.findByKey(this.db.manager, key);
    if (!row) return null;
    if (isFinalRefund(row.status) || row.adapter === 'manual') return toRefundView(row);
    if (row.status === 'pending') {
      const found = await this.safeLookup(row);
      return toRefundView(found ? await this.record(row.id, found, actor) : row);
    }
    return this.request(row.orderId, row.amountMinor, key, actor);
  }

  async get(id: number): Promise<RefundView> {
    const row = await this.refunds.findById(id);
    if (!row) throw AppError.notFound('refund');
    return toRefundView(row);
  }

  async findByKeys(keys: string[]): Promise<RefundView[]> {
    return (await this.refunds.findByKeys(keys, this.db.manager)).map(toRefundView);
  }

  async findByKey(key: string): Promise<RefundView | null> {
    const row = await this.refunds.findByKey(this.db.manager, key);
    return row ? toRefundView(row) : null;
  }

  /** The owner made the manual refund in their payment system: its reference there makes it succeeded. */
  async confirmManual(refundId: number, reference: string, actor: Actor, clientId?: number): Promise<RefundView> {
    const ref = (reference ?? '').trim();
    if (!ref || ref.length > 191) throw AppError.validation({ reference: 'refunds.reference_required' }, 'refunds.reference_required');
    return this.settleManual(refundId, { status: 'succeeded', providerRef: ref }, actor, clientId);
  }

  /** The owner could not make the manual refund; the case pauses for them to decide. */
  async failManual(refundId: number, reason: string, actor: Actor, clientId?: number): Promise<RefundView> {
    const why = (reason ?? '').trim();
    if (!why || why.length > 500) throw AppError.validation({ reason: 'refunds.reason_required' }, 'refunds.reason_required');
    return this.settleManual(refundId, { status: 'failed', error: why }, actor, clientId);
  }

  /**
   * A provider's webhook said this refund changed (the webhook services have checked where it came from). Unknown
   * refunds (made outside kabinet) are ignored; duplicates and late events change nothing.
   */
  async applyProviderUpdate(adapter: RefundAdapterName, outcome: RefundOutcome & { providerRef: string }, key: string | null, actor: Actor): Promise<RefundView | null> {
    const row = (await this.refunds.findByProviderRef(this.db.manager, adapter, outcome.providerRef)) ?? (key ? await this.refunds.findByKey(this.db.manager, key) : null);
    if (!row || row.adapter !== adapter) return null;
    return toRefundView(await this.record(row.id, outcome, actor));
  }

  /** `clientId`: from a client's page, the refund must be of that client's order (else 404, like any other id). */
  private async settleManual(refundId: number, outcome: RefundOutcome, actor: Actor, clientId?: number): Promise<RefundView> {
    const row = await this.refunds.findById(refundId);
    if (!row || (clientId !== undefined && (await this.refunds.clientOf(row.orderId)) !== clientId)) throw AppError.notFound('refund');
    if (row.adapter !== 'manual') throw new AppError('conflict', 'refunds.not_manual', 'refunds.not_manual');
    if (isFinalRefund(row.status)) {
      // the same answer twice (a double click) is answered as before; the opposite one is refused
      if (row.status === outcome.status) return toRefundView(row);
      throw new AppError('conflict', 'refunds.already_final', 'refunds.already_final');
    }
    return toRefundView(await this.record(row.id, outcome, actor));
  }

  /** Phase 1: the row, written and committed before anything is sent. */
  private async begin(orderId: number, amountMinor: number, key: string, actor: Actor): Promise<{ row: Refund; fresh: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((m) => this.beginIn(m, orderId, amountMinor, key, actor));
      } catch (e) {
        // two workers (or a double click) with one key: the loser finds the winner's row on the next round
        if (attempt < 2 && isUniqueViolation(e)) continue;
        throw e;
      }
    }
  }

  private async beginIn(m: EntityManager, orderId: number, amountMinor: number, key: string, actor: Actor): Promise<{ row: Refund; fresh: boolean }> {
    const now = new Date();
    // The order's lock comes first: on MySQL the snapshot of this transaction's plain reads is taken at its first
    // one, and taken after the lock it sees a refund another transaction just committed for the same order.
    const order = await this.refunds.lockOrder(m, orderId);
    const existing = await this.refunds.findByKey(m, key);
    if (existing) {
      if (existing.orderId !== orderId || existing.amountMinor !== amountMinor) {
        throw new AppError('conflict', 'refunds.key_reused', `The key "${key}" was used for a refund of ${formatMinor(existing.amountMinor)} ${existing.currency} on order #${existing.orderId}`, {}, { key });
      }
      if (existing.status === 'started' || existing.status === 'unknown') {
        await this.refunds.markAttempt(m, existing.id, now);
        existing.attempts += 1;
      }
      return { row: existing, fresh: false };
    }
    if (!order) throw AppError.notFound('order');
    const refused = refusalOf(order, amountMinor, await this.refunds.committedMinor(m, orderId));
    if (refused) throw refused;
    const { adapter, orderRef } = this.adapters.choose(order);
    const row = await this.refunds.insert(m, { orderId, idempotencyKey: key, adapter, orderRef, amountMinor, currency: order.currency, createdBy: actor.userId, createdByLabel: actor.label.slice(0, 200) }, now);
    await this.audit.record(m, actor, {
      action: 'refund.requested',
      subjectType: 'client',
      subjectId: order.clientId,
      after: { refundId: row.id, orderId, externalId: order.externalId, amount: `${formatMinor(amountMinor)} ${order.currency}`, amountMinor, currency: order.currency, adapter, key },
    });
    return { row, fresh: true };
  }

  private async beginManyRetrying(items: { orderId: number; amountMinor: number; key: string }[], actor: Actor): Promise<({ row: Refund; fresh: boolean } | { error: AppError })[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((m) => this.beginManyIn(m, items, actor));
      } catch (e) {
        if (attempt < 2 && isUniqueViolation(e)) continue;
        throw e;
      }
    }
  }

  /** Phase 1 for many: the orders locked, the rows by key, what is committed per order, each read once. */
  private async beginManyIn(m: EntityManager, items: { orderId: number; amountMinor: number; key: string }[], actor: Actor): Promise<({ row: Refund; fresh: boolean } | { error: AppError })[]> {
    const now = new Date();
    const orderIds = [...new Set(items.map((i) => i.orderId))];
    const orders = new Map((await this.refunds.lockOrders(m, orderIds)).map((o) => [o.id, o]));
    const existing = new Map((await this.refunds.findByKeys(items.map((i) => i.key), m)).map((r) => [r.idempotencyKey, r]));
    const committed = await this.refunds.committedMinorOf(m, orderIds);
    const retried: number[] = [];
    const audits: Parameters<AuditService['recordMany']>[2] = [];
    const out: ({ row: Refund; fresh: boolean } | { error: AppError })[] = [];
    const fresh: { at: number; order: Order; data: Parameters<RefundsRepository['insertMany']>[1][number] }[] = [];
    for (const it of items) {
      const ex = existing.get(it.key);
      if (ex) {
        if (ex.orderId !== it.orderId || ex.amountMinor !== it.amountMinor) {
          out.push({ error: new AppError('conflict', 'refunds.key_reused', `The key "${it.key}" was used for a refund of ${formatMinor(ex.amountMinor)} ${ex.currency} on order #${ex.orderId}`, {}, { key: it.key }) });
          continue;
        }
        if (ex.status === 'started' || ex.status === 'unknown') {
          retried.push(ex.id);
          ex.attempts += 1;
        }
        out.push({ row: ex, fresh: false });
        continue;
      }
      const order = orders.get(it.orderId);
      if (!order) {
        out.push({ error: AppError.notFound('order') });
        continue;
      }
      const already = committed.get(it.orderId) ?? 0;
      const refused = refusalOf(order, it.amountMinor, already);
      if (refused) {
        out.push({ error: refused });
        continue;
      }
      committed.set(it.orderId, already + it.amountMinor);
      const { adapter, orderRef } = this.adapters.choose(order);
      fresh.push({ at: out.length, order, data: { orderId: it.orderId, idempotencyKey: it.key, adapter, orderRef, amountMinor: it.amountMinor, currency: order.currency, createdBy: actor.userId, createdByLabel: actor.label.slice(0, 200) } });
      out.push({ error: AppError.notFound('refund') }); // replaced below, once the row is written
    }
    if (fresh.length) {
      // every new row in one statement, read back by key for their ids
      await this.refunds.insertMany(m, fresh.map((f) => f.data), now);
      const written = new Map((await this.refunds.findByKeys(fresh.map((f) => f.data.idempotencyKey), m)).map((r) => [r.idempotencyKey, r]));
      for (const f of fresh) {
        const row = written.get(f.data.idempotencyKey)!;
        out[f.at] = { row, fresh: true };
        audits.push({
          action: 'refund.requested',
          subjectType: 'client',
          subjectId: f.order.clientId,
          after: { refundId: row.id, orderId: row.orderId, externalId: f.order.externalId, amount: `${formatMinor(row.amountMinor)} ${row.currency}`, amountMinor: row.amountMinor, currency: row.currency, adapter: row.adapter, key: row.idempotencyKey },
        });
      }
    }
    if (retried.length) await this.refunds.markAttempts(m, retried, now);
    await this.audit.recordMany(m, actor, audits);
    return out;
  }

  /** Phase 3 for many: every answer in one transaction, by the same rule as record(). */
  private recordMany(answers: { id: number; outcome: RefundOutcome }[], actor: Actor): Promise<Refund[]> {
    return this.db.transaction(async (m) => {
      const rows = new Map((await this.refunds.findManyForUpdate(m, answers.map((a) => a.id))).map((r) => [r.id, r]));
      const now = new Date();
      const audits: Parameters<AuditService['recordMany']>[2] = [];
      const clients = new Map<number, number | null>();
      const out: Refund[] = [];
      const updates = new Map<string, { set: { status: RefundStatus; providerRef: string | null; lastError: string | null; finishedAt: Date | null }; ids: number[] }>();
      for (const { id, outcome } of answers) {
        const row = rows.get(id);
        if (!row) throw AppError.notFound('refund');
        const status = nextRefundStatus(row.status, outcome.status);
        const wasFinal = isFinalRefund(row.status);
        const providerRef = row.providerRef ?? outcome.providerRef ?? null;
        const lastError = wasFinal ? row.lastError : outcome.error ?? (status === row.status ? row.lastError : null);
        const finishedAt = row.finishedAt ?? (isFinalRefund(status) ? now : null);
        // the same answer for many rows (a manual adapter's pending) is one UPDATE
        const set = { status, providerRef, lastError, finishedAt };
        const group = JSON.stringify(set);
        const same = updates.get(group) ?? { set, ids: [] };
        same.ids.push(id);
        updates.set(group, same);
        if (!wasFinal && isFinalRefund(status)) {
          if (!clients.has(row.orderId)) clients.set(row.orderId, await this.refunds.clientOf(row.orderId, m));
          audits.push({
            action: status === 'succeeded' ? 'refund.succeeded' : 'refund.failed',
            subjectType: 'client',
            subjectId: clients.get(row.orderId) ?? undefined,
            before: { refundId: id, status: row.status },
            after: { refundId: id, orderId: row.orderId, status, amount: `${formatMinor(row.amountMinor)} ${row.currency}`, adapter: row.adapter, providerRef, ...(lastError ? { error: lastError } : {}) },
          });
        }
        out.push(Object.assign(row, { status, providerRef, lastError, finishedAt, updatedAt: now }));
      }
      for (const u of updates.values()) await this.refunds.recordMany(m, u.ids, u.set, now);
      await this.audit.recordMany(m, actor, audits);
      return out;
    });
  }

  /** Phase 2, outside any transaction. Never throws: whatever goes wrong is an unknown outcome. */
  private async call(row: Refund, fresh: boolean): Promise<RefundOutcome> {
    try {
      const adapter = this.adapters.get(row.adapter);
      const req = { orderRef: row.orderRef, amountMinor: row.amountMinor, currency: row.currency, key: row.idempotencyKey };
      if (!fresh) {
        const found = await adapter.lookup(row.idempotencyKey, { ...req, providerRef: row.providerRef });
        // only a definite "none" may create; a lookup that could not tell leaves the refund unknown
        if (found) return found;
      }
      return await adapter.refund(req);
    } catch (e) {
      this.log.warn(`refund ${row.id} (${row.adapter}): ${(e as Error)?.message ?? e}`);
      return { status: 'unknown', error: (e as Error)?.message ?? String(e) };
    }
  }

  private async safeLookup(row: Refund): Promise<RefundOutcome | null> {
    try {
      return await this.adapters.get(row.adapter).lookup(row.idempotencyKey, { orderRef: row.orderRef, amountMinor: row.amountMinor, currency: row.currency, key: row.idempotencyKey, providerRef: row.providerRef });
    } catch (e) {
      return { status: 'unknown', error: (e as Error)?.message ?? String(e) };
    }
  }

  /** Phase 3: the answer, recorded; statuses only move forward (refund-adapter.ts `nextRefundStatus`). */
  private record(id: number, outcome: RefundOutcome, actor: Actor): Promise<Refund> {
    return this.db.transaction(async (m) => {
      const row = await this.refunds.findForUpdate(m, id);
      if (!row) throw AppError.notFound('refund');
      const now = new Date();
      const status = nextRefundStatus(row.status, outcome.status);
      const wasFinal = isFinalRefund(row.status);
      const providerRef = row.providerRef ?? outcome.providerRef ?? null;
      const lastError = wasFinal ? row.lastError : outcome.error ?? (status === row.status ? row.lastError : null);
      const finishedAt = row.finishedAt ?? (isFinalRefund(status) ? now : null);
      await this.refunds.record(m, id, { status, providerRef, lastError, finishedAt }, now);
      if (!wasFinal && isFinalRefund(status)) {
        const clientId = await this.refunds.clientOf(row.orderId, m);
        await this.audit.record(m, actor, {
          action: status === 'succeeded' ? 'refund.succeeded' : 'refund.failed',
          subjectType: 'client',
          subjectId: clientId ?? undefined,
          before: { refundId: id, status: row.status },
          after: { refundId: id, orderId: row.orderId, status, amount: `${formatMinor(row.amountMinor)} ${row.currency}`, adapter: row.adapter, providerRef, ...(lastError ? { error: lastError } : {}) },
        });
      }
      return Object.assign(row, { status, providerRef, lastError, finishedAt, updatedAt: now });
    });
  }
}

/**
 * Why this refund of an order may not be made, or null: the selling platform refunded the order already (its
 * order.refunded webhook; one more here would pay twice), or the amount is more than is left of what was paid.
 */
function refusalOf(order: Order, amountMinor: number, alreadyMinor: number): AppError | null {
  if (order.status === 'refunded') {
    return new AppError('conflict', 'refunds.order_refunded', `Order ${order.externalId} was refunded in the selling platform already`, { orderId: 'already refunded' });
  }
  const left = order.amountMinor - alreadyMinor;
  if (amountMinor <= left) return null;
  const money = (n: number) => `${formatMinor(n)} ${order.currency}`;
  return new AppError(
    'unprocessable',
    'refunds.more_than_paid',
    `A refund of ${money(amountMinor)} is more than is left to refund on order ${order.externalId}: paid ${money(order.amountMinor)}, refunded or being refunded ${money(alreadyMinor)}, left ${money(Math.max(left, 0))}`,
    { amountMinor: `at most ${Math.max(left, 0)}` },
    { paidMinor: order.amountMinor, refundedMinor: alreadyMinor, leftMinor: Math.max(left, 0) },
  );
}
