import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { dbDateOrNull } from '../../database/raw';
import { sqlDate } from '../../database/sql-date';
import type { SqliteConnection } from '../../database/sqlite-connection';
import { SqliteOpsHost, sqliteOpsHost } from '../../database/sqlite-ops';
import { RecipientStatus } from '../campaigns/entities/campaign-recipient.entity';
import { activeGrantParams, activeGrantSql } from '../../members/access/access-rule';

/** A claimed row with what the sender needs to render and address the mail. */
export interface ClaimedRecipient {
  id: number;
  subscriberId: number;
  listId: number | null;
  attempts: number;
  email: string;
  name: string;
  locale: string | null;
  /** Still allowed at claim time: not suppressed, and still confirmed on the list the row came through. */
  eligible: boolean;
}

export type RecipientStats = Record<RecipientStatus, number> & { recipients: number; unsubscribed: number };

/** Members' access rule: a client reached through a product is one with an active grant of it. */
const ACTIVE_GRANT = activeGrantSql('g');

const CHUNK = 500;
const placeholders = (n: number) => Array(n).fill('?').join(',');
function chunks<T>(xs: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

// Due rows of a campaign in the order of ix_recipients_claim (campaign_id, status, next_attempt_at, then the
// primary key both engines append), so the database walks the index instead of sorting every pending row.
const CLAIMABLE = `SELECT id FROM campaign_recipients
                    WHERE campaign_id = ? AND status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id`;
// The claim writes only status and time: the rows are known by id from here on.
const SQLITE_CLAIM = `UPDATE campaign_recipients SET status = 'sending', claimed_at = ?
                       WHERE id IN (${CLAIMABLE} LIMIT ?) AND status = 'pending' RETURNING id`;
// What the sender needs of claimed rows, with the subscriber's state now (suppression, list status): `… IN` + ids + END.
const CLAIMED_ROWS = `SELECT r.id, r.subscriber_id, r.list_id, r.attempts, sub.email, sub.name, sub.locale, sub.suppressed_at, s.status AS list_status
                        FROM campaign_recipients r
                        JOIN subscribers sub ON sub.id = r.subscriber_id
                        LEFT JOIN subscriptions s ON s.subscriber_id = r.subscriber_id AND s.list_id = r.list_id
                       WHERE r.id IN`;
const CLAIMED_ROWS_END = `AND r.status = 'sending' ORDER BY r.id`;
// On SQLite the ids come as one JSON array parameter: one prepared statement for any batch size.
const SQLITE_CLAIMED_ROWS = `${CLAIMED_ROWS} (SELECT value FROM json_each(?)) ${CLAIMED_ROWS_END}`;
const SQLITE_MARK_SENT = `UPDATE campaign_recipients SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
                           WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`;
const SQLITE_MARK_SKIPPED = `UPDATE campaign_recipients SET status = 'skipped', last_error = ?
                              WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`;

/** The sender's statements on SQLite, run synchronously on the writer (see sqliteOpsHost): each operation is one IMMEDIATE transaction. */
function sqliteSenderOps(conn: SqliteConnection, sql: { claim: string; claimedRows: string; markSent: string; markSkipped: string }) {
  const claim = conn.prepare(sql.claim);
  const claimedRows = conn.prepare(sql.claimedRows);
  const markSent = conn.prepare(sql.markSent);
  const markSkipped = conn.prepare(sql.markSkipped);
  return {
    /** A conditional UPDATE … RETURNING claims the rows; the same transaction reads what the sender needs, by id. */
    claim(campaignId: number, at: string, limit: number): Record<string, unknown>[] {
      const ids = (claim.all(at, campaignId, at, limit) as { id: number }[]).map((r) => r.id);
      return ids.length ? (claimedRows.all(JSON.stringify(ids)) as Record<string, unknown>[]) : [];
    },
    markSent(at: string, ids: number[]): void {
      markSent.run(at, JSON.stringify(ids));
    },
    markSkipped(reason: string, ids: number[]): void {
      markSkipped.run(reason, JSON.stringify(ids));
    },
  };
}
const SQLITE_SENDER_SQL = { claim: SQLITE_CLAIM, claimedRows: SQLITE_CLAIMED_ROWS, markSent: SQLITE_MARK_SENT, markSkipped: SQLITE_MARK_SKIPPED };

/**
 * The recipient rows of campaigns: written once when a campaign starts, then claimed in batches by senders.
 * Plain SQL throughout: these statements run per batch of a 100k-recipient send, and the audience is built with
 * INSERT … SELECT inside the database, so no process ever holds the whole audience in memory.
 */
@Injectable()
export class RecipientsRepository implements OnApplicationShutdown {
  /** SQLite: the sender's claims and outcomes, as prepared statements with no query runner or promise per statement. */
  private readonly sqlite: SqliteOpsHost<ReturnType<typeof sqliteSenderOps>> | null;

  constructor(private readonly db: Database) {
    this.sqlite = db.isMysql ? null : sqliteOpsHost(db, sqliteSenderOps, SQLITE_SENDER_SQL);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sqlite?.close();
  }

  /**
   * A write of its own. On SQLite every write goes through the transaction queue: TypeORM shares one connection
   * there, and a bare statement would otherwise join (and roll back with) a request's open transaction.
   */
  private write(sql: string, params: unknown[], m?: EntityManager): Promise<number> {
    return m ? this.changes(m, sql, params) : this.tx((tx) => this.changes(tx, sql, params));
  }

  /** The same, for the hot path of sending, where nobody needs the count. */
  private async update(sql: string, params: unknown[]): Promise<void> {
    await this.tx((tx) => tx.query(sql, params));
  }

  /**
   * A short transaction of the sender's, in READ COMMITTED on MySQL, run again if InnoDB picks it as a deadlock
   * victim: concurrent senders claiming and recording on the same index can deadlock now and then, and losing
   * a write here would leave rows `sending` (so `unknown`) for nothing.
   */
  private tx<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work, { isolation: 'READ COMMITTED', retries: 7 });
  }

  /** Runs an UPDATE and returns the rows it changed (TypeORM's better-sqlite3 driver reports only lastInsertRowid). */
  private async changes(m: EntityManager, sql: string, params: unknown[]): Promise<number> {
    const res = await m.query(sql, params);
    if (this.db.isMysql) return Number((res as { affectedRows?: number })?.affectedRows ?? 0);
    const rows: { n: number }[] = await m.query('SELECT changes() AS n');
    return Number(rows[0]?.n ?? 0);
  }

  /** SQL for the audience of a campaign: confirmed on a chosen list ∪ clients with active access to a chosen product. */
  private audienceParts(listIds: number[], productIds: number[], now: Date) {
    const lists = listIds.length
      ? {
          sql: `SELECT s.subscriber_id AS subscriber_id, MIN(s.list_id) AS list_id
                  FROM subscriptions s JOIN subscribers sub ON sub.id = s.subscriber_id
                 WHERE s.list_id IN (${placeholders(listIds.length)}) AND s.status = 'confirmed' AND sub.suppressed_at IS NULL
                 GROUP BY s.subscriber_id`,
          params: [...listIds],
        }
      : null;
    const grantees = productIds.length
      ? {
          sql: `FROM grants g JOIN users u ON u.id = g.client_id{join}
                 WHERE g.product_id IN (${placeholders(productIds.length)}) AND ${ACTIVE_GRANT} AND u.disabled_at IS NULL`,
          params: [...productIds, ...activeGrantParams(now)],
        }
      : null;
    return { lists, grantees };
  }

  /** How many people the campaign would reach now (each address once). */
  async countAudience(listIds: number[], productIds: number[], now = new Date()): Promise<number> {
    const { lists, grantees } = this.audienceParts(listIds, productIds, now);
    const parts: string[] = [];
    const params: unknown[] = [];
    if (lists) {
      parts.push(`SELECT sub.email AS email FROM (${lists.sql}) a JOIN subscribers sub ON sub.id = a.subscriber_id`);
      params.push(...lists.params);
    }
    if (grantees) {
      parts.push(`SELECT u.email AS email ${grantees.sql.replace('{join}', '')}
                    AND NOT EXISTS (SELECT 1 FROM subscribers sx WHERE sx.email = u.email AND sx.suppressed_at IS NOT NULL)`);
      params.push(...grantees.params);
    }
    if (!parts.length) return 0;
    const rows: { n: number | string }[] = await this.db.manager.query(`SELECT COUNT(*) AS n FROM (${parts.join(' UNION ')}) x`, params);
    return Number(rows[0].n);
  }

  /**
   * Writes the campaign's recipient rows, in the caller's transaction. Clients reached through a product who
   * are not subscribers yet get a subscriber row first (their unsubscribe link needs one).
   */
  async materialise(m: EntityManager, campaignId: number, listIds: number[], productIds: number[], now = new Date()): Promise<number> {
    const { lists, grantees } = this.audienceParts(listIds, productIds, now);
    const at = sqlDate(now);
    if (lists) {
      await m.query(
        `INSERT INTO campaign_recipients (campaign_id, subscriber_id, list_id, status, attempts, next_attempt_at)
         SELECT ?, a.subscriber_id, a.list_id, 'pending', 0, ? FROM (${lists.sql}) a`,
        [campaignId, at, ...lists.params],
      );
    }
    if (grantees) {
      await m.query(
        `INSERT INTO subscribers (email, name, locale, user_id, created_at, updated_at)
         SELECT u.email, MIN(u.name), MIN(u.locale), MIN(u.id), ?, ? ${grantees.sql.replace('{join}', '')}
            AND NOT EXISTS (SELECT 1 FROM subscribers sx WHERE sx.email = u.email)
          GROUP BY u.email`,
        [at, at, ...grantees.params],
      );
      await m.query(
        `INSERT INTO campaign_recipients (campaign_id, subscriber_id, list_id, status, attempts, next_attempt_at)
         SELECT ?, sub.id, NULL, 'pending', 0, ? ${grantees.sql.replace('{join}', ' JOIN subscribers sub ON sub.email = u.email')}
            AND sub.suppressed_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = ? AND r.subscriber_id = sub.id)
          GROUP BY sub.id`,
        [campaignId, at, ...grantees.params, campaignId],
      );
    }
    const rows: { n: number | string }[] = await m.query('SELECT COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = ?', [campaignId]);
    return Number(rows[0].n);
  }

  /**
   * Claims up to `limit` due rows of a campaign for this sender (→ `sending`) and returns them with the
   * subscriber's current state; each engine's way below.
   */
  async claim(campaignId: number, limit: number, now: Date): Promise<ClaimedRecipient[]> {
    const at = sqlDate(now);
    const n = Math.max(1, Math.floor(limit));
    const rows = this.sqlite ? await this.sqlite.run('claim', campaignId, at, n) : await this.claimMysql(campaignId, n, at);
    return rows.map((r) => ({
      id: Number(r.id),
      subscriberId: Number(r.subscriber_id),
      listId: r.list_id === null ? null : Number(r.list_id),
      attempts: Number(r.attempts),
      email: String(r.email),
      name: String(r.name ?? ''),
      locale: (r.locale as string | null) ?? null,
      eligible: r.suppressed_at === null && (r.list_id === null || r.list_status === 'confirmed'),
    }));
  }

  /** MySQL/MariaDB: `FOR UPDATE SKIP LOCKED` in a short transaction, so concurrent senders take disjoint rows without waiting on each other. */
  private async claimMysql(campaignId: number, limit: number, at: string): Promise<Record<string, unknown>[]> {
    const ids: { id: number }[] = await this.tx(async (m) => {
      const found: { id: number }[] = await m.query(`${CLAIMABLE} LIMIT ${limit} FOR UPDATE SKIP LOCKED`, [campaignId, at]);
      if (found.length) {
        await m.query(`UPDATE campaign_recipients SET status = 'sending', claimed_at = ? WHERE id IN (${placeholders(found.length)})`, [at, ...found.map((r) => r.id)]);
      }
      return found;
    });
    if (!ids.length) return [];
    return this.db.manager.query(`${CLAIMED_ROWS} (${placeholders(ids.length)}) ${CLAIMED_ROWS_END}`, ids.map((r) => Number(r.id)));
  }

  async markSent(ids: number[], at: Date): Promise<void> {
    if (this.sqlite) return this.sqlite.run('markSent', sqlDate(at), ids);
    for (const part of chunks(ids)) {
      await this.update(
        `UPDATE campaign_recipients SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
          WHERE id IN (${placeholders(part.length)}) AND status = 'sending'`,
        [sqlDate(at), ...part],
      );
    }
  }

  async markSkipped(ids: number[], reason: string): Promise<void> {
    if (this.sqlite) return this.sqlite.run('markSkipped', reason.slice(0, 500), ids);
    for (const part of chunks(ids)) {
      await this.update(
        `UPDATE campaign_recipients SET status = 'skipped', last_error = ? WHERE id IN (${placeholders(part.length)}) AND status = 'sending'`,
        [reason.slice(0, 500), ...part],
      );
    }
  }

  async markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.update(
      `UPDATE campaign_recipients SET status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ?
        WHERE id = ? AND status = 'sending'`,
      [error.slice(0, 500), sqlDate(nextAttemptAt), id],
    );
  }

  async markFailed(id: number, status: 'failed' | 'bounced', error: string): Promise<void> {
    await this.update(
      `UPDATE campaign_recipients SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'sending'`,
      [status, error.slice(0, 500), id],
    );
  }

  /**
   * Rows left in `sending` by a sender that died: their mail may or may not have reached the SMTP server. They
   * become `unknown` and are never resent on their own; the operator decides (see CampaignSender).
   */
  flagStale(campaignId: number, olderThan: Date): Promise<number> {
    return this.write(
      `UPDATE campaign_recipients SET status = 'unknown', last_error = 'sender stopped while sending; outcome unknown'
        WHERE campaign_id = ? AND status = 'sending' AND claimed_at < ?`,
      [campaignId, sqlDate(olderThan)],
    );
  }

  /** The operator chose to resend rows of unknown outcome: they go out again with the same Message-ID. */
  requeueUnknown(m: EntityManager, campaignId: number, now: Date): Promise<number> {
    return this.write(
      `UPDATE campaign_recipients SET status = 'pending', next_attempt_at = ?, last_error = NULL WHERE campaign_id = ? AND status = 'unknown'`,
      [sqlDate(now), campaignId],
      m,
    );
  }

  /** Waiting rows of this person (all, or those that came through one list) will not be sent. */
  async skipWaitingFor(m: EntityManager, subscriberId: number, listId: number | null): Promise<void> {
    await m.query(
      `UPDATE campaign_recipients SET status = 'skipped', last_error = 'unsubscribed'
        WHERE subscriber_id = ? AND status = 'pending'${listId === null ? '' : ' AND list_id = ?'}`,
      listId === null ? [subscriberId] : [subscriberId, listId],
    );
  }

  /** A campaign was cancelled: what has not gone out will not. */
  async skipWaitingOfCampaign(m: EntityManager, campaignId: number): Promise<void> {
    await m.query(`UPDATE campaign_recipients SET status = 'skipped', last_error = 'cancelled' WHERE campaign_id = ? AND status = 'pending'`, [campaignId]);
  }

  /** Whether a sender may be handing mail for this person to the SMTP server right now. */
  async hasInFlight(subscriberId: number, claimedAfter: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `SELECT 1 AS x FROM campaign_recipients WHERE subscriber_id = ? AND status = 'sending' AND claimed_at >= ? LIMIT 1`,
      [subscriberId, sqlDate(claimedAfter)],
    );
    return rows.length > 0;
  }

  /** Rows still to be settled: pending (now or later) or being sent. Zero means the campaign is done. */
  async countOpen(campaignId: number): Promise<{ pending: number; sending: number; nextAttemptAt: Date | null }> {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT status, COUNT(*) AS n, MIN(next_attempt_at) AS next FROM campaign_recipients
        WHERE campaign_id = ? AND status IN ('pending', 'sending') GROUP BY status`,
      [campaignId],
    );
    const out = { pending: 0, sending: 0, nextAttemptAt: null as Date | null };
    for (const r of rows) {
      if (r.status === 'pending') {
        out.pending = Number(r.n);
        out.nextAttemptAt = dbDateOrNull(r.next);
      } else out.sending = Number(r.n);
    }
    return out;
  }

  async stats(campaignId: number): Promise<RecipientStats> {
    const out: RecipientStats = { recipients: 0, unsubscribed: 0, pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, unknown: 0 };
    const rows: { status: RecipientStatus; n: number | string }[] = await this.db.manager.query(
      'SELECT status, COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = ? GROUP BY status',
      [campaignId],
    );
    for (const r of rows) {
      out[r.status] = Number(r.n);
      out.recipients += Number(r.n);
    }
    const unsub: { n: number | string }[] = await this.db.manager.query(
      `SELECT COUNT(DISTINCT subscriber_id) AS n FROM consent_events WHERE campaign_id = ? AND action IN ('unsubscribed', 'suppressed')`,
      [campaignId],
    );
    out.unsubscribed = Number(unsub[0].n);
    return out;
  }

  /** For the admin: a page of one campaign's rows in a status. */
  async list(campaignId: number, status: RecipientStatus | undefined, limit: number, offset: number) {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT r.id, r.status, r.attempts, r.last_error, r.sent_at, sub.id AS subscriber_id, sub.email
         FROM campaign_recipients r JOIN subscribers sub ON sub.id = r.subscriber_id
        WHERE r.campaign_id = ?${status ? ' AND r.status = ?' : ''}
        ORDER BY r.id LIMIT ${Math.floor(limit)} OFFSET ${Math.floor(offset)}`,
      status ? [campaignId, status] : [campaignId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      status: r.status as RecipientStatus,
      attempts: Number(r.attempts),
      lastError: (r.last_error as string | null) ?? null,
      sentAt: dbDateOrNull(r.sent_at),
      subscriberId: Number(r.subscriber_id),
      email: String(r.email),
    }));
  }
}
