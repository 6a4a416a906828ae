import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager, In } from 'typeorm';
import { Page } from '../common/http/pagination';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { CaseStatus, StepName, StepStatus } from './offboarding.contract';
import { OffboardingCase } from './entities/offboarding-case.entity';
import { OffboardingStep } from './entities/offboarding-step.entity';

export interface CaseFilter {
  status?: CaseStatus;
  clientId?: number;
}

/** A case with its client's name and address, for lists and pages. */
export type NamedCase = OffboardingCase & { clientName: string; clientEmail: string };

/** Statuses of a step the runner still has work for (given its time has come). */
export const UNFINISHED_STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'waiting', 'retrying'];

/** Every query of the offboarding workflow's two tables. */
@Injectable()
export class OffboardingCasesRepository {
  constructor(private readonly db: Database) {}

  /** Throws a unique violation when the client already has an open case (active_client_id). */
  insertCase(m: EntityManager, data: Omit<OffboardingCase, 'id'>): Promise<OffboardingCase> {
    return m.save(OffboardingCase, m.create(OffboardingCase, data));
  }

  async insertSteps(m: EntityManager, rows: Omit<OffboardingStep, 'id'>[]): Promise<void> {
    if (rows.length) await m.insert(OffboardingStep, rows);
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<OffboardingCase | null> {
    return m.findOneBy(OffboardingCase, { id });
  }

  async findNamed(id: number): Promise<NamedCase | null> {
    const { entities, raw } = await this.named().where('c.id = :id', { id }).getRawAndEntities();
    return entities.length ? withNames(entities, raw)[0] : null;
  }

  findOpenForClient(clientId: number, m: EntityManager = this.db.manager): Promise<OffboardingCase | null> {
    return m.findOneBy(OffboardingCase, { activeClientId: clientId });
  }

  /** The open cases of these clients, one query (bulk offboarding). */
  openForClients(clientIds: number[], m: EntityManager = this.db.manager): Promise<OffboardingCase[]> {
    return clientIds.length ? m.findBy(OffboardingCase, { activeClientId: In(clientIds) }) : Promise.resolve([]);
  }

  stepsOf(caseId: number, m: EntityManager = this.db.manager): Promise<OffboardingStep[]> {
    return m.find(OffboardingStep, { where: { caseId }, order: { position: 'ASC' } });
  }

  findStep(caseId: number, name: StepName, m: EntityManager = this.db.manager): Promise<OffboardingStep | null> {
    return m.findOneBy(OffboardingStep, { caseId, name });
  }

  async search(f: CaseFilter, page: Page): Promise<[NamedCase[], number]> {
    const qb = this.named();
    if (f.status) qb.andWhere('c.status = :status', { status: f.status });
    if (f.clientId) qb.andWhere('c.client_id = :clientId', { clientId: f.clientId });
    qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').offset(page.offset).limit(page.limit);
    const [{ entities, raw }, total] = await Promise.all([qb.getRawAndEntities(), qb.getCount()]);
    return [withNames(entities, raw), total];
  }

  /**
   * Moves a case from one of `from` to a new status with `patch`, only if it is still in one of `from` (a second
   * click, or a runner that moved it meanwhile, changes nothing). Returns whether it moved.
   */
  async transition(m: EntityManager, id: number, from: readonly CaseStatus[], patch: Partial<OffboardingCase> & { status: CaseStatus }): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(OffboardingCase)
      .set({ ...patch, updatedAt: new Date() })
      .where('id = :id AND status IN (:...from)', { id, from })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async update(m: EntityManager, id: number, patch: Partial<OffboardingCase>): Promise<void> {
    await m.update(OffboardingCase, { id }, { ...patch, updatedAt: new Date() });
  }

  /**
   * The runner's claim: compare-and-set on `locked_until`, so of two runners on one case only one runs its steps.
   * A crashed runner's claim runs out at `locked_until`.
   */
  async claim(id: number, token: string, now: Date, ttlMs: number): Promise<boolean> {
    const res = await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(OffboardingCase)
        .set({ runnerToken: token, lockedUntil: new Date(now.getTime() + ttlMs) })
        .where('id = :id AND (locked_until IS NULL OR locked_until < :now)', { id, now: sqlDate(now) })
        .execute(),
    );
    return (res.affected ?? 0) > 0;
  }

  /** Pushes the claim on; false when it was lost (it ran out and another runner took the case). */
  async extendClaim(id: number, token: string, until: Date): Promise<boolean> {
    const res = await this.db.write((m) =>
      m.createQueryBuilder().update(OffboardingCase).set({ lockedUntil: until }).where('id = :id AND runner_token = :token', { id, token }).execute(),
    );
    return (res.affected ?? 0) > 0;
  }

  async release(id: number, token: string): Promise<void> {
    await this.db.write((m) =>
      m.createQueryBuilder().update(OffboardingCase).set({ lockedUntil: null, runnerToken: null }).where('id = :id AND runner_token = :token', { id, token }).execute(),
    );
  }

  /**
   * Cases the runner has work for at `now`: scheduled ones whose date has come, running ones with a step pending
   * or started, or waiting or retrying whose next attempt is due, and running ones with no step left (to settle).
   */
  async dueCaseIds(now: Date, limit: number): Promise<number[]> {
    const at = sqlDate(now);
    const scheduled = await this.db.manager
      .createQueryBuilder(OffboardingCase, 'c')
      .select('c.id', 'id')
      .where(`c.status = 'scheduled' AND c.run_at <= :at`, { at })
      .orderBy('c.run_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string }>();
    const running = await this.db.manager
      .createQueryBuilder(OffboardingStep, 's')
      .innerJoin(OffboardingCase, 'c', 'c.id = s.case_id')
      .select('DISTINCT s.case_id', 'id')
      .where(`c.status = 'running'`)
      .andWhere(
        new Brackets((w) =>
          w
            .where(`s.status IN ('pending', 'running')`)
            .orWhere(`s.status IN ('waiting', 'retrying') AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= :at)`, { at }),
        ),
      )
      .limit(limit)
      .getRawMany<{ id: number | string }>();
    // a runner that died after its last step's commit left the case running with nothing to do but settle it
    const unsettled = await this.db.manager
      .createQueryBuilder(OffboardingCase, 'c')
      .select('c.id', 'id')
      .where(`c.status = 'running'`)
      .andWhere(`NOT EXISTS (SELECT 1 FROM offboarding_steps s WHERE s.case_id = c.id AND s.status IN ('pending', 'running', 'waiting', 'retrying'))`)
      .limit(limit)
      .getRawMany<{ id: number | string }>();
    return [...new Set([...scheduled, ...running, ...unsettled].map((r) => Number(r.id)))];
  }

  async updateStep(m: EntityManager, id: number, patch: Partial<OffboardingStep>): Promise<void> {
    await m.update(OffboardingStep, { id }, { ...patch, updatedAt: new Date() });
  }

  /** Moves a step only if it is still in one of `from`. */
  async transitionStep(m: EntityManager, id: number, from: readonly StepStatus[], patch: Partial<OffboardingStep> & { status: StepStatus }): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(OffboardingStep)
      .set({ ...patch, updatedAt: new Date() })
      .where('id = :id AND status IN (:...from)', { id, from })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  private named() {
    return this.db.manager
      .createQueryBuilder(OffboardingCase, 'c')
      .innerJoin('users', 'u', 'u.id = c.client_id')
      .select(['c'])
      .addSelect('u.name', 'u_name')
      .addSelect('u.email', 'u_email');
  }
}

function withNames(entities: OffboardingCase[], raw: { c_id: number | string; u_name: string | null; u_email: string | null }[]): NamedCase[] {
  const byId = new Map(raw.map((r) => [Number(r.c_id), r]));
  return entities.map((e) => {
    const r = byId.get(e.id);
    return Object.assign(e, { clientName: r?.u_name ?? '', clientEmail: r?.u_email ?? '' });
  });
}
