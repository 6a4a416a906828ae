import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../database/database.service';
import { User } from '../../users/entities/user.entity';
import { ClientWarning } from './entities/client-warning.entity';

export type NewWarning = Omit<ClientWarning, 'id' | 'followUpDoneAt' | 'followUpDoneBy' | 'remindedAt' | 'outboxId'>;

/** A warning with the names the pages show beside it. */
export type WarningRow = ClientWarning & { createdByName: string | null; doneByName: string | null };

/** A follow-up that is due: the warning and the client it was sent to. */
export interface DueFollowUp {
  id: number;
  clientId: number;
  clientName: string;
  clientEmail: string;
  followUpOn: string;
  createdAt: Date;
}

@Injectable()
export class WarningsRepository {
  constructor(private readonly db: Database) {}

  insert(m: EntityManager, data: NewWarning): Promise<ClientWarning> {
    return m.save(ClientWarning, m.create(ClientWarning, { ...data, followUpDoneAt: null, followUpDoneBy: null, remindedAt: null, outboxId: null }));
  }

  async setOutboxId(m: EntityManager, id: number, outboxId: number | null): Promise<void> {
    await m.update(ClientWarning, { id }, { outboxId });
  }

  findForClient(clientId: number, id: number, m: EntityManager = this.db.manager): Promise<ClientWarning | null> {
    return m.findOneBy(ClientWarning, { id, clientId });
  }

  /** The client's warnings, newest first, with who sent each and who marked its follow-up done. */
  async listForClient(clientId: number, limit = 100): Promise<WarningRow[]> {
    const warnings = await this.db.manager.find(ClientWarning, { where: { clientId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    const ids = [...new Set(warnings.flatMap((w) => [w.createdBy, w.followUpDoneBy]).filter((v): v is number => v !== null))];
    const users = ids.length ? await this.db.manager.find(User, { select: { id: true, name: true, email: true }, where: { id: In(ids) } }) : [];
    const name = (id: number | null) => {
      const u = id === null ? undefined : users.find((x) => x.id === id);
      return u ? u.name || u.email : null;
    };
    return warnings.map((w) => ({ ...w, createdByName: name(w.createdBy), doneByName: name(w.followUpDoneBy) }));
  }

  /**
   * Marks the follow-up done if it was not yet: a conditional update, so a double click records one mark (and
   * one audit entry). Returns whether this call marked it.
   */
  async markDone(m: EntityManager, id: number, by: number | null, at: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(ClientWarning)
      .set({ followUpDoneAt: at, followUpDoneBy: by })
      .where('id = :id AND follow_up_on IS NOT NULL AND follow_up_done_at IS NULL', { id })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** Follow-ups due by `today` (site zone) that nobody has marked done yet, oldest first; with or without a reminder sent. */
  dueOpen(today: string, limit: number): Promise<DueFollowUp[]> {
    return this.due(today, limit, false);
  }

  /** How many follow-ups are due by `today` and not done (the overview's count; the follow-up index's range). */
  countDueOpen(today: string): Promise<number> {
    return this.dueQuery(today).getCount();
  }

  /** Due follow-ups whose owner reminder has not gone out yet: the reminder job's work. */
  dueUnreminded(today: string, limit: number): Promise<DueFollowUp[]> {
    return this.due(today, limit, true);
  }

  /** Sets reminded_at if nobody did: the run whose update took sends the reminder (two runs at once send one). */
  async claimReminder(m: EntityManager, id: number, at: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(ClientWarning)
      .set({ remindedAt: at })
      .where('id = :id AND reminded_at IS NULL AND follow_up_done_at IS NULL', { id })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  private async due(today: string, limit: number, unremindedOnly: boolean): Promise<DueFollowUp[]> {
    const qb = this.dueQuery(today)
      .orderBy('w.follow_up_on', 'ASC')
      .addOrderBy('w.id', 'ASC')
      .take(limit);
    if (unremindedOnly) qb.andWhere('w.reminded_at IS NULL');
    const rows = await qb.getMany();
    if (!rows.length) return [];
    const clients = await this.db.manager.findBy(User, { id: In([...new Set(rows.map((w) => w.clientId))]) });
    const byId = new Map(clients.map((c) => [c.id, c]));
    return rows.map((w) => ({
      id: w.id,
      clientId: w.clientId,
      clientName: byId.get(w.clientId)?.name ?? '',
      clientEmail: byId.get(w.clientId)?.email ?? '',
      followUpOn: w.followUpOn!,
      createdAt: w.createdAt,
    }));
  }

  private dueQuery(today: string) {
    return this.db.manager.createQueryBuilder(ClientWarning, 'w').where('w.follow_up_on IS NOT NULL AND w.follow_up_on <= :today AND w.follow_up_done_at IS NULL', { today });
  }
}
