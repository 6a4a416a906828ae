import { ClaimedRecipient, RecipientsRepository } from './recipients.repository';

// Sends that no step has recorded (the workers all wait on a slow SMTP server, or the send is ending) are
// written after this long at the latest; a one-click unsubscribe waits for them (UnsubscribeService).
const RECORD_AFTER_MS = 100;

export interface RecipientFeedOptions {
  campaignId: number;
  /** The sender's claim token: its rows are marked with it (see RecipientsRepository). */
  token: string;
  /** Rows per claim (SENDER_BATCH_SIZE). */
  batchSize: number;
  /** The next batch is claimed when this few claimed rows are left, so the workers never wait for a claim. */
  lowWater: number;
  /**
   * Rows per window put on the wire by one statement, never more: so at most the workers' rows plus one window
   * are `sending` at any moment, however slow the database is.
   */
  windowSize: number;
  /** Asked before each claim: false once the campaign left `sending` or the sender is stopping. */
  mayClaim: () => Promise<boolean>;
  /** True once the sender is stopping: no row is handed out any more. */
  stopped: () => boolean;
  now: () => Date;
}

/**
 * Hands one sender's workers the rows of one campaign, and records the sends, in few statements:
 * - it claims a batch of due rows (→ `claimed`) before the last one runs dry;
 * - it hands a row to a worker (for the SMTP pool) only once the row is marked `sending`: a window of rows per
 *   statement, the same statement that records the rows sent since the window before (→ `sent`).
 * A step adds one window to the rows `sending` and takes the recorded ones away; a worker taking a row or
 * finishing a send changes nothing. So at most the workers' rows (the send window) plus one window are
 * `sending` at any moment: if the process dies, those are what may become `unknown`, while its claimed rows
 * that never went out return to `pending` (RecipientsRepository.sweepStale).
 */
export class RecipientFeed {
  /** Claimed, not yet on the wire. */
  private claimed: ClaimedRecipient[] = [];
  /** On the wire (`sending`), not yet taken by a worker. */
  private ready: ClaimedRecipient[] = [];
  /** Sent, not yet recorded. */
  private sentIds: number[] = [];
  private claiming: Promise<void> | null = null;
  private stepping: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private exhausted = false;
  private failure: unknown = null;
  /** Rows done with: handed to a worker, or skipped at claim time. */
  handled = 0;

  constructor(
    private readonly recipients: RecipientsRepository,
    private readonly o: RecipientFeedOptions,
  ) {}

  /** The next row to send, on the wire already; null when the campaign has no more due rows (or the sender stops). */
  async next(): Promise<ClaimedRecipient | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.o.stopped()) return null;
      const row = this.ready.shift();
      if (row) {
        this.handled++;
        return row;
      }
      const progress = this.stepping ?? (this.claimed.length ? this.step() : (this.claiming ?? (this.exhausted ? null : this.claimMore())));
      if (!progress) return null;
      await progress;
    }
  }

  /** The row's mail was accepted by the SMTP server (or kept in the outbox): recorded with the next step. */
  sent(id: number): void {
    this.sentIds.push(id);
    this.scheduleRecord();
  }

  /**
   * Waits for what is under way, records the last sends, and gives back the rows never handed out (the sender
   * stops, or a statement failed). Call once every worker is done.
   */
  async close(): Promise<void> {
    this.clearTimer();
    while (this.claiming || this.stepping) await (this.claiming ?? this.stepping);
    const unsent = [...this.ready, ...this.claimed].map((r) => r.id);
    this.ready = [];
    this.claimed = [];
    try {
      if (this.sentIds.length) await this.recipients.advance(this.o.token, [], this.takeSent(), this.o.now());
    } finally {
      await this.recipients.release(this.o.token, unsent);
    }
  }

  /** Puts the next window on the wire and records the sends so far. */
  private step(size = this.o.windowSize): Promise<void> {
    this.clearTimer();
    const window = this.claimed.splice(0, size);
    const sent = this.takeSent();
    this.stepping = this.recipients
      .advance(
        this.o.token,
        window.map((r) => r.id),
        sent,
        this.o.now(),
      )
      .then((onWire) => {
        if (onWire.length === window.length) this.ready.push(...window);
        else {
          const ours = new Set(onWire);
          this.ready.push(...window.filter((r) => ours.has(r.id)));
        }
      })
      .catch((e) => {
        // Nothing of this window was handed out: close() gives it back. The sends are recorded by close().
        this.claimed.unshift(...window);
        this.sentIds.push(...sent);
        this.fail(e);
      })
      .finally(() => (this.stepping = null));
    if (this.claimed.length <= this.o.lowWater && !this.claiming && !this.exhausted) void this.claimMore();
    return this.stepping;
  }

  /** Sends no step has recorded for a while. */
  private recordLate(): void {
    this.timer = null;
    if (!this.sentIds.length || this.failure) return;
    if (!this.stepping) void this.step(0);
    else void this.stepping.then(() => this.sentIds.length && this.scheduleRecord());
  }

  private scheduleRecord(): void {
    this.timer ??= setTimeout(() => this.recordLate(), RECORD_AFTER_MS);
  }

  private claimMore(): Promise<void> {
    this.claiming = (async () => {
      if (!(await this.o.mayClaim())) {
        this.exhausted = true;
        return;
      }
      const rows = await this.recipients.claim(this.o.campaignId, this.o.batchSize, this.o.now(), this.o.token);
      if (!rows.length) {
        this.exhausted = true;
        return;
      }
      const skipped = rows.filter((r) => !r.eligible).map((r) => r.id);
      await this.recipients.skip(this.o.token, skipped, 'unsubscribed or suppressed before sending');
      this.handled += skipped.length;
      for (const r of rows) if (r.eligible) this.claimed.push(r);
    })()
      .catch((e) => {
        this.exhausted = true;
        this.fail(e);
      })
      .finally(() => (this.claiming = null));
    return this.claiming;
  }

  private takeSent(): number[] {
    const sent = this.sentIds;
    this.sentIds = [];
    return sent;
  }

  private fail(e: unknown): void {
    this.failure ??= e;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
