import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { isGrantActive } from './access-rule';
import { Grant, GrantSource } from './entities/grant.entity';
import { GrantsRepository } from './grants.repository';

export interface GrantInput {
  clientId: number;
  productId: number;
  source: GrantSource;
  startsAt?: Date;
  /** null = forever */
  endsAt: Date | null;
  reason?: string | null;
  orderId?: number | null;
  accessKeyId?: number | null;
}

export interface GrantView {
  id: number;
  productId: number;
  startsAt: Date;
  endsAt: Date | null;
  source: GrantSource;
  active: boolean;
  revokedAt: Date | null;
  reason: string | null;
}

export function toGrantView(g: Grant, now = new Date()): GrantView {
  return {
    id: g.id,
    productId: g.productId,
    startsAt: g.startsAt,
    endsAt: g.endsAt,
    source: g.source,
    active: isGrantActive(g, now),
    revokedAt: g.revokedAt,
    reason: g.reason,
  };
}

const DAY = 86400_000;

/**
 * Every change of access goes through here, inside the caller's transaction: the grant row changes, a
 * grant_events row records the new state, and the audit log says who did it. Nothing is ever deleted.
 */
@Injectable()
export class GrantsService {
  constructor(
    private readonly grants: GrantsRepository,
    private readonly audit: AuditService,
  ) {}

  async grant(m: EntityManager, actor: Actor, input: GrantInput): Promise<Grant> {
    const startsAt = input.startsAt ?? new Date();
    if (input.endsAt && input.endsAt <= startsAt) throw AppError.validation({ endsAt: 'members.ends_before_start' });
    const g = await this.grants.insert(m, {
      clientId: input.clientId,
      productId: input.productId,
      startsAt,
      endsAt: input.endsAt,
      source: input.source,
      revokedAt: null,
      revokedBy: null,
      reason: input.reason ?? null,
      orderId: input.orderId ?? null,
      accessKeyId: input.accessKeyId ?? null,
    });
    await this.grants.addEvent(m, {
      grantId: g.id,
      kind: 'created',
      endsAtBefore: null,
      endsAtAfter: g.endsAt,
      actorUserId: actor.userId,
      actorLabel: actor.label,
      reason: input.reason ?? null,
      orderId: input.orderId ?? null,
    });
    await this.audit.record(m, actor, {
      action: 'grant.create',
      subjectType: 'client',
      subjectId: input.clientId,
      after: { grantId: g.id, productId: g.productId, endsAt: g.endsAt, source: g.source },
    });
    return g;
  }

  /**
   * Adds `days` (null = make it forever) to the client's access to a product: from the current end if the
   * access is running, from now if not, in which case a new grant starts.
   */
  async extendOrGrant(m: EntityManager, actor: Actor, input: Omit<GrantInput, 'endsAt'> & { days: number | null }): Promise<Grant> {
    const now = new Date();
    const current = await this.grants.findActive(input.clientId, input.productId, now, m);
    if (!current) {
      return this.grant(m, actor, { ...input, endsAt: input.days === null ? null : new Date(now.getTime() + input.days * DAY) });
    }
    if (current.endsAt === null) return current; // already forever
    const endsAt = input.days === null ? null : new Date(current.endsAt.getTime() + input.days * DAY);
    return this.setEnd(m, actor, current, endsAt, input.reason ?? null, input.orderId ?? null);
  }

  async extend(m: EntityManager, actor: Actor, grantId: number, endsAt: Date | null, reason: string | null): Promise<Grant> {
    const g = await this.grants.findById(grantId, m);
    if (!g) throw AppError.notFound('grant');
    if (g.revokedAt) throw new AppError('conflict', 'members.grant_revoked', 'members.grant_revoked');
    if (endsAt && endsAt <= g.startsAt) throw AppError.validation({ endsAt: 'members.ends_before_start' });
    return this.setEnd(m, actor, g, endsAt, reason);
  }

  /** `orderId`: the order whose purchase sets this end, so a refund can find the extension again. */
  private async setEnd(m: EntityManager, actor: Actor, g: Grant, endsAt: Date | null, reason: string | null, orderId: number | null = null): Promise<Grant> {
    await this.grants.update(m, g.id, { endsAt });
    await this.grants.addEvent(m, { grantId: g.id, kind: 'extended', endsAtBefore: g.endsAt, endsAtAfter: endsAt, actorUserId: actor.userId, actorLabel: actor.label, reason, orderId });
    await this.audit.record(m, actor, {
      action: 'grant.extend',
      subjectType: 'client',
      subjectId: g.clientId,
      before: { grantId: g.id, endsAt: g.endsAt },
      after: { grantId: g.id, endsAt },
      extra: reason ? { reason } : undefined,
    });
    return { ...g, endsAt };
  }

  /**
   * Ends every running grant of the client (or the chosen ones) at once, as revoke() does one: the rows, a
   * grant event each and an audit entry each, every kind in one statement, so a client with ten times the grants
   * costs no more round trips. Returns the grants as they were (what a reinstatement puts back).
   */
  async revokeAllOfClient(m: EntityManager, actor: Actor, clientId: number, reason: string, onlyIds: number[] | null = null): Promise<(Grant & { productTitle: string })[]> {
    const now = new Date();
    const running = await this.grants.runningForClient(clientId, now, onlyIds, m);
    if (!running.length) return [];
    await this.grants.revokeMany(m, running.map((g) => g.id), now, actor.userId, reason);
    await this.grants.addEvents(
      m,
      running.map((g) => ({ grantId: g.id, kind: 'revoked' as const, endsAtBefore: g.endsAt, endsAtAfter: g.endsAt, actorUserId: actor.userId, actorLabel: actor.label, reason })),
    );
    await this.audit.recordMany(
      m,
      actor,
      running.map((g) => ({
        action: 'grant.revoke' as const,
        subjectType: 'client' as const,
        subjectId: clientId,
        before: { grantId: g.id, productId: g.productId, active: isGrantActive(g, now) },
        after: { grantId: g.id, active: false },
        extra: { reason },
      })),
    );
    return running;
  }

  /**
   * Puts an ended grant back as it was: a new grant with the original start (so drip dates hold) and end, source
   * `reinstatement`, a `reinstated` event. The old row stays revoked: its history is kept.
   */
  async reinstate(m: EntityManager, actor: Actor, original: { grantId: number; clientId: number; productId: number; startsAt: Date; endsAt: Date | null }, reason: string): Promise<Grant> {
    const g = await this.grants.insert(m, {
      clientId: original.clientId,
      productId: original.productId,
      startsAt: original.startsAt,
      endsAt: original.endsAt,
      source: 'reinstatement',
      revokedAt: null,
      revokedBy: null,
      reason,
      orderId: null,
      accessKeyId: null,
    });
    await this.grants.addEvent(m, { grantId: g.id, kind: 'reinstated', endsAtBefore: null, endsAtAfter: g.endsAt, actorUserId: actor.userId, actorLabel: actor.label, reason });
    await this.audit.record(m, actor, {
      action: 'grant.reinstate',
      subjectType: 'client',
      subjectId: original.clientId,
      after: { grantId: g.id, productId: g.productId, startsAt: g.startsAt, endsAt: g.endsAt, source: g.source, reinstatedFrom: original.grantId },
    });
    return g;
  }

  async revoke(m: EntityManager, actor: Actor, grantId: number, reason: string): Promise<Grant> {
    const g = await this.grants.findById(grantId, m);
    if (!g) throw AppError.notFound('grant');
    if (g.revokedAt) return g;
    const now = new Date();
    await this.grants.update(m, g.id, { revokedAt: now, revokedBy: actor.userId, reason });
    await this.grants.addEvent(m, { grantId: g.id, kind: 'revoked', endsAtBefore: g.endsAt, endsAtAfter: g.endsAt, actorUserId: actor.userId, actorLabel: actor.label, reason });
    await this.audit.record(m, actor, {
      action: 'grant.revoke',
      subjectType: 'client',
      subjectId: g.clientId,
      before: { grantId: g.id, active: isGrantActive(g, now) },
      after: { grantId: g.id, active: false },
      extra: { reason },
    });
    return { ...g, revokedAt: now, revokedBy: actor.userId, reason };
  }
}
