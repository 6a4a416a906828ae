import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database, withRetries } from '../../database/database.service';
import { dbDateOrNull } from '../../database/raw';
import { sqlDate } from '../../database/sql-date';
import type { SqliteConnection } from '../../database/sqlite-connection';
import { SqliteOpsHost, sqliteOpsHost } from '../../database/sqlite-ops';
import { RecipientStatus } from '../campaigns/entities/campaign-recipient.entity';
import { activeGrantParams, activeGrantSql } from '../../members/access/access-rule';

/** Someone a campaign reaches, as its preview shows them: the fields a mail to them is rendered with. */
export interface AudienceMember {
  email: string;
  name: string;
  locale: string | null;
  /** Null for a client reached through a product who is no subscriber yet (the start of the send makes one). */
  subscriberId: number | null;
  /** The list they are reached through; null through a product. */
  listId: number | null;
}

/** `%term%` for LIKE … ESCAPE '!', the term's own wildcards taken literally. */
const likeContains = (term: string) => `%${term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

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

const placeholders = (n: number) => Array(n).fill('?').join(',');

// "id IN <a list of ids>", with the list as ONE parameter on both engines: SQLite reads a JSON array (so one
// prepared statement serves any batch size), mysql2 expands an array parameter into `1, 2, 3`.
const SQLITE_IDS = '(SELECT value FROM json_each(?))';
const MYSQL_IDS = '(?)';

/**
 * The sender's statements, written once for both engines; `ids` is one of the spellings above. A sender marks
 * the rows it claims with a token of its own and names it in every later statement, so it never touches a row
 * that was taken from it meanwhile: returned to `pending` as stale and claimed by another sender, or skipped by
 * an unsubscribe.
 */
function senderStatements(ids: string) {
  return {
    // Due rows in the order of ix_recipients_claim (campaign_id, status, next_attempt_at, then the primary key
    // both engines append), so the database walks the index instead of sorting every pending row.
    due: `SELECT id FROM campaign_recipients WHERE campaign_id = ? AND status = 'pending' AND next_attempt_at <= ?
           ORDER BY next_attempt_at, id LIMIT ?`,
    claim: `UPDATE campaign_recipients SET status = 'claimed', claimed_at = ?, claim_token = ? WHERE id IN ${ids} AND status = 'pending'`,
    // What the sender needs of its claimed rows, with the subscriber's state now (suppression, list status).
    claimed: `SELECT r.id, r.subscriber_id, r.list_id, r.attempts, sub.email, sub.name, sub.locale, sub.suppressed_at, s.status AS list_status
                FROM campaign_recipients r
                JOIN subscribers sub ON sub.id = r.subscriber_id
                LEFT JOIN subscriptions s ON s.subscriber_id = r.subscriber_id AND s.list_id = r.list_id
               WHERE r.id IN ${ids} AND r.status = 'claimed' AND r.claim_token = ? ORDER BY r.id`,
    // One step of a send in one statement: the rows of the next window go on the wire (claimed → sending, the
    // stale clock restarting) and the rows sent since the last step are recorded (sending → sent); each row's
    // status says which. `status` is assigned last: MySQL evaluates assignments left to right, each seeing the
    // ones before it, SQLite evaluates them all on the old row, so only this order reads the same on both.
    advance: `UPDATE campaign_recipients
                 SET claimed_at = CASE WHEN status = 'claimed' THEN ? ELSE claimed_at END,
                     sent_at = CASE WHEN status = 'sending' THEN ? ELSE sent_at END,
                     attempts = CASE WHEN status = 'sending' THEN attempts + 1 ELSE attempts END,
                     last_error = CASE WHEN status = 'sending' THEN NULL ELSE last_error END,
                     status = CASE WHEN status = 'claimed' THEN 'sending' ELSE 'sent' END
               WHERE id IN ${ids} AND claim_token = ? AND status IN ('claimed', 'sending')`,
    // Which rows of a window went on the wire, asked only when `advance` changed fewer rows than it was given.
    onWire: `SELECT id FROM campaign_recipients WHERE id IN ${ids} AND status = 'sending' AND claim_token = ?`,
    skip: `UPDATE campaign_recipients SET status = 'skipped', last_error = ? WHERE id IN ${ids} AND status = 'claimed' AND claim_token = ?`,
    // Rows this sender holds and has not handed to the SMTP pool (it stops, or gives up on a failure).
    release: `UPDATE campaign_recipients SET status = 'pending', claim_token = NULL
               WHERE id IN ${ids} AND status IN ('claimed', 'sending') AND claim_token = ?`,
  };
}
type SenderStatements = ReturnType<typeof senderStatements>;
const MYSQL_SQL = senderStatements(MYSQL_IDS);

/**
 * The sender's statements on SQLite, run synchronously on the writer (see sqliteOpsHost): each operation is one
 * IMMEDIATE transaction. The MySQL side (RecipientsRepository) runs the same statements in the same order.
 */
function sqliteSenderOps(conn: SqliteConnection, sql: SenderStatements) {
  const st = {
    due: conn.prepare(sql.due),
    claim: conn.prepare(sql.claim),
    claimed: conn.prepare(sql.claimed),
    advance: conn.prepare(sql.advance),
    onWire: conn.prepare(sql.onWire),
    skip: conn.prepare(sql.skip),
    release: conn.prepare(sql.release),
  };
  return {
    claim(campaignId: number, at: string, limit: number, token: string): Record<string, unknown>[] {
      const ids = JSON.stringify((st.due.all(campaignId, at, limit) as { id: number }[]).map((r) => r.id));
      if (ids === '[]') return [];
      st.claim.run(at, token, ids);
      return st.claimed.all(ids, token) as Record<string, unknown>[];
    },
    advance(at: string, token: string, window: number[], sent: number[]): number[] {
      const changed = st.advance.run(at, at, JSON.stringify([...window, ...sent]), token).changes;
      if (changed === window.length + sent.length) return window;
      return (st.onWire.all(JSON.stringify(window), token) as { id: number }[]).map((r) => r.id);
    },
    skip(reason: string, token: string, ids: number[]): void {
      st.skip.run(reason, JSON.stringify(ids), token);
    },
    release(token: string, ids: number[]): void {
      st.release.run(JSON.stringify(ids), token);
    },
  };
}

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
    this.sqlite = db.isMysql ? null : sqliteOpsHost(db, sqliteSenderOps, senderStatements(SQLITE_IDS));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sqlite?.close();
  }

  /**
   * A write of its own, as a short transaction (on SQLite the writer connection takes it in its turn; bare
   * statements through `db.manager` would land on the read-only connection there).
   */
  private write(sql: string, params: unknown[], m?: EntityManager): Promise<number> {
    return m ? this.changes(m, sql, params) : this.tx((tx) => this.changes(tx, sql, params));
  }

  /**
   * A short transaction of the sender's, in READ COMMITTED on MySQL, run again if InnoDB picks it as a deadlock
   * victim: concurrent senders claiming and recording on the same index can deadlock now and then, and losing
   * a write here would leave rows `sending` (so `unknown`) for nothing.
   */
  private tx<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work, { isolation: 'READ COMMITTED', retries: 7 });
  }

  /**
   * MySQL: one statement of the sender's on its own (autocommit, so no BEGIN and COMMIT around it), run again if
   * InnoDB picks it as a deadlock victim. Returns the rows it changed.
   */
  private async mysqlWrite(sql: string, params: unknown[]): Promise<number> {
    const res = await withRetries(() => this.db.manager.query(sql, params), 7);
    return Number((res as { affectedRows?: number })?.affectedRows ?? 0);
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
   * Up to `limit` people the campaign would reach now, by address, optionally those whose address contains
   * `search`, or exactly the one with `email`: the same audience as countAudience() and materialise(), each
   * address once, through a list before through a product (as the send writes them).
   */
  async audienceMembers(listIds: number[], productIds: number[], f: { search?: string; email?: string; limit: number }, now = new Date()): Promise<AudienceMember[]> {
    const { lists, grantees } = this.audienceParts(listIds, productIds, now);
    const limit = Math.max(1, Math.min(100, Math.floor(f.limit)));
    const filter = f.email !== undefined ? { sql: ' AND {email} = ?', param: f.email.toLowerCase() } : f.search ? { sql: " AND LOWER({email}) LIKE ? ESCAPE '!'", param: likeContains(f.search) } : null;
    const byEmail = new Map<string, AudienceMember>();
    if (lists) {
      const rows: Record<string, unknown>[] = await this.db.manager.query(
        `SELECT sub.id AS subscriber_id, a.list_id, sub.email, sub.name, sub.locale
           FROM (${lists.sql}) a JOIN subscribers sub ON sub.id = a.subscriber_id
          WHERE 1 = 1${filter ? filter.sql.replace('{email}', 'sub.email') : ''}
          ORDER BY sub.email LIMIT ${limit}`,
        [...lists.params, ...(filter ? [filter.param] : [])],
      );
      for (const r of rows) byEmail.set(String(r.email), member(r));
    }
    if (grantees) {
      const rows: Record<string, unknown>[] = await this.db.manager.query(
        `SELECT MIN(sub.id) AS subscriber_id, NULL AS list_id, u.email, COALESCE(MIN(sub.name), MIN(u.name)) AS name, COALESCE(MIN(sub.locale), MIN(u.locale)) AS locale
           ${grantees.sql.replace('{join}', ' LEFT JOIN subscribers sub ON sub.email = u.email')}
            AND NOT EXISTS (SELECT 1 FROM subscribers sx WHERE sx.email = u.email AND sx.suppressed_at IS NOT NULL)${filter ? filter.sql.replace('{email}', 'u.email') : ''}
          GROUP BY u.email ORDER BY u.email LIMIT ${limit}`,
        [...grantees.params, ...(filter ? [filter.param] : [])],
      );
      for (const r of rows) if (!byEmail.has(String(r.email))) byEmail.set(String(r.email), member(r));
    }
    return [...byEmail.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)).slice(0, limit);
  }

  /** The same for a campaign that has started: the people its rows were written for. */
  async recipientMembers(campaignId: number, f: { search?: string; email?: string; limit: number }): Promise<AudienceMember[]> {
    const limit = Math.max(1, Math.min(100, Math.floor(f.limit)));
    const filter = f.email !== undefined ? { sql: ' AND sub.email = ?', param: f.email.toLowerCase() } : f.search ? { sql: " AND LOWER(sub.email) LIKE ? ESCAPE '!'", param: likeContains(f.search) } : null;
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT sub.id AS subscriber_id, r.list_id, sub.email, sub.name, sub.locale
         FROM campaign_recipients r JOIN subscribers sub ON sub.id = r.subscriber_id
        WHERE r.campaign_id = ?${filter ? filter.sql : ''}
        ORDER BY sub.email LIMIT ${limit}`,
      [campaignId, ...(filter ? [filter.param] : [])],
    );
    return rows.map(member);
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
   * Claims up to `limit` due rows of a campaign for the sender holding `token` (→ `claimed`) and returns them
   * with the subscriber's current state. A claimed row is not yet on its way: if the sender dies now, the row
   * goes back to `pending` (sweepStale) and is sent by another.
   */
  async claim(campaignId: number, limit: number, now: Date, token: string): Promise<ClaimedRecipient[]> {
    const at = sqlDate(now);
    const n = Math.max(1, Math.floor(limit));
    const rows = this.sqlite ? await this.sqlite.run('claim', campaignId, at, n, token) : await this.claimMysql(campaignId, n, at, token);
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
  private async claimMysql(campaignId: number, limit: number, at: string, token: string): Promise<Record<string, unknown>[]> {
    const ids: number[] = await this.tx(async (m) => {
      const found: { id: number }[] = await m.query(`${MYSQL_SQL.due} FOR UPDATE SKIP LOCKED`, [campaignId, at, limit]);
      const ids = found.map((r) => Number(r.id));
      if (ids.length) await m.query(MYSQL_SQL.claim, [at, token, ids]);
      return ids;
    });
    return ids.length ? this.db.manager.query(MYSQL_SQL.claimed, [ids, token]) : [];
  }

  /**
   * One step of a send: `window` (claimed rows) goes on the wire, `sent` (rows of earlier windows) is recorded as
   * sent. Returns the rows of `window` that are now on the wire, for the sender to hand to the SMTP pool; a row
   * missing from it was taken from this sender meanwhile (skipped by an unsubscribe, or stale) and must not go out.
   */
  async advance(token: string, window: number[], sent: number[], now: Date): Promise<number[]> {
    if (!window.length && !sent.length) return [];
    const at = sqlDate(now);
    if (this.sqlite) return this.sqlite.run('advance', at, token, window, sent);
    const changed = await this.mysqlWrite(MYSQL_SQL.advance, [at, at, [...window, ...sent], token]);
    if (changed === window.length + sent.length) return window;
    if (!window.length) return [];
    const rows: { id: number }[] = await this.db.manager.query(MYSQL_SQL.onWire, [window, token]);
    return rows.map((r) => Number(r.id));
  }

  /** Claimed rows that will not be sent (unsubscribed or suppressed by claim time). */
  async skip(token: string, ids: number[], reason: string): Promise<void> {
    if (!ids.length) return;
    if (this.sqlite) return this.sqlite.run('skip', reason.slice(0, 500), token, ids);
    await this.mysqlWrite(MYSQL_SQL.skip, [reason.slice(0, 500), ids, token]);
  }

  /** Rows this sender holds but never handed to the SMTP pool go back to `pending`, for any sender to take. */
  async release(token: string, ids: number[]): Promise<void> {
    if (!ids.length) return;
    if (this.sqlite) return this.sqlite.run('release', token, ids);
    await this.mysqlWrite(MYSQL_SQL.release, [ids, token]);
  }

  async markRetry(id: number, token: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.write(
      `UPDATE campaign_recipients SET status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claim_token = NULL
        WHERE id = ? AND status = 'sending' AND claim_token = ?`,
      [error.slice(0, 500), sqlDate(nextAttemptAt), id, token],
    );
  }

  async markFailed(id: number, token: string, status: 'failed' | 'bounced', error: string): Promise<void> {
    await this.write(
      `UPDATE campaign_recipients SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'sending' AND claim_token = ?`,
      [status, error.slice(0, 500), id, token],
    );
  }

  /**
   * What a sender that died left behind, once SENDER_STALE_SECONDS have passed: rows it had claimed but never
   * handed to the SMTP pool go back to `pending` (sent once, by whoever comes next); rows it had handed over
   * (`sending`) may or may not have reached the SMTP server, so they become `unknown` and are never resent on
   * their own; the operator decides (see CampaignSender).
   */
  async sweepStale(campaignId: number, olderThan: Date): Promise<{ released: number; unknown: number }> {
    const before = sqlDate(olderThan);
    const released = await this.write(
      `UPDATE campaign_recipients SET status = 'pending', claim_token = NULL WHERE campaign_id = ? AND status = 'claimed' AND claimed_at < ?`,
      [campaignId, before],
    );
    const unknown = await this.write(
      `UPDATE campaign_recipients SET status = 'unknown', last_error = 'sender stopped while sending; outcome unknown'
        WHERE campaign_id = ? AND status = 'sending' AND claimed_at < ?`,
      [campaignId, before],
    );
    return { released, unknown };
  }

  /** The operator chose to resend rows of unknown outcome: they go out again with the same Message-ID. */
  requeueUnknown(m: EntityManager, campaignId: number, now: Date): Promise<number> {
    return this.write(
      `UPDATE campaign_recipients SET status = 'pending', next_attempt_at = ?, last_error = NULL, claim_token = NULL WHERE campaign_id = ? AND status = 'unknown'`,
      [sqlDate(now), campaignId],
      m,
    );
  }

  /**
   * Waiting rows of this person (all, or those that came through one list) will not be sent: pending ones, and
   * claimed ones a sender has not handed to the SMTP pool yet (its next step leaves them alone, see advance).
   */
  async skipWaitingFor(m: EntityManager, subscriberId: number, listId: number | null): Promise<void> {
    await m.query(
      `UPDATE campaign_recipients SET status = 'skipped', last_error = 'unsubscribed'
        WHERE subscriber_id = ? AND status IN ('pending', 'claimed')${listId === null ? '' : ' AND list_id = ?'}`,
      listId === null ? [subscriberId] : [subscriberId, listId],
    );
  }

  /** This person's rows of any campaign not handed to a sender yet (pending, claimed), skipped with `reason`; returns how many. */
  skipAllWaitingFor(m: EntityManager, subscriberId: number, reason: string): Promise<number> {
    return this.changes(m, `UPDATE campaign_recipients SET status = 'skipped', last_error = ? WHERE subscriber_id = ? AND status IN ('pending', 'claimed')`, [reason, subscriberId]);
  }

  /** How many of this person's rows are still to be sent (pending, claimed): what an offboarding would skip. */
  async countWaitingFor(subscriberId: number, m: EntityManager = this.db.manager): Promise<number> {
    const rows: { n: number | string }[] = await m.query(`SELECT COUNT(*) AS n FROM campaign_recipients WHERE subscriber_id = ? AND status IN ('pending', 'claimed')`, [subscriberId]);
    return Number(rows[0]?.n ?? 0);
  }

  /** A campaign was cancelled: what has not gone out will not. */
  async skipWaitingOfCampaign(m: EntityManager, campaignId: number): Promise<void> {
    await m.query(`UPDATE campaign_recipients SET status = 'skipped', last_error = 'cancelled' WHERE campaign_id = ? AND status IN ('pending', 'claimed')`, [
      campaignId,
    ]);
  }

  /**
   * Whether a sender may be handing mail for this person to the SMTP server right now (a row on the wire; a
   * claimed row not yet on it is skipped by the unsubscribe itself).
   */
  async hasInFlight(subscriberId: number, claimedAfter: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `SELECT 1 AS x FROM campaign_recipients WHERE subscriber_id = ? AND status = 'sending' AND claimed_at >= ? LIMIT 1`,
      [subscriberId, sqlDate(claimedAfter)],
    );
    return rows.length > 0;
  }

  /** Rows still to be settled: pending (now or later), claimed or being sent. All zero means the campaign is done. */
  async countOpen(campaignId: number): Promise<{ pending: number; claimed: number; sending: number; nextAttemptAt: Date | null }> {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT status, COUNT(*) AS n, MIN(next_attempt_at) AS next FROM campaign_recipients
        WHERE campaign_id = ? AND status IN ('pending', 'claimed', 'sending') GROUP BY status`,
      [campaignId],
    );
    const out = { pending: 0, claimed: 0, sending: 0, nextAttemptAt: null as Date | null };
    for (const r of rows) {
      if (r.status === 'pending') out.nextAttemptAt = dbDateOrNull(r.next);
      out[r.status as 'pending' | 'claimed' | 'sending'] = Number(r.n);
    }
    return out;
  }

  async stats(campaignId: number): Promise<RecipientStats> {
    const out: RecipientStats = { recipients: 0, unsubscribed: 0, pending: 0, claimed: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, unknown: 0 };
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

function member(r: Record<string, unknown>): AudienceMember {
  return {
    email: String(r.email),
    name: r.name == null ? '' : String(r.name),
    locale: r.locale == null ? null : String(r.locale),
    subscriberId: r.subscriber_id == null ? null : Number(r.subscriber_id),
    listId: r.list_id == null ? null : Number(r.list_id),
  };
}
