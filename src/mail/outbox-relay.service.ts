import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LeaseService } from '../database/lease.service';
import { AddressTokens, bounceAddress } from '../inbound/address-tokens';
import { OutboxMessage } from './entities/outbox-message.entity';
import { MailTransport } from './mail-transport';
import { OutboxRepository } from './outbox.repository';
import { afterFailedAttempt } from './retry-policy';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

const BATCH = 50;
const STALE_CLAIM_MS = 5 * 60_000;

/**
 * Sends what the outbox holds. Each run claims a batch, sends it over the pooled transport and records every
 * outcome; a temporary failure is retried by the rule all outgoing mail follows (retry-policy.ts), a 5xx or
 * the last attempt is recorded as failed.
 */
@Injectable()
export class OutboxRelay implements OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private running = false;
  private readonly addressTokens: AddressTokens;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport | null,
    private readonly outbox: OutboxRepository,
    private readonly leases: LeaseService,
  ) {
    this.addressTokens = new AddressTokens(config.secretKey);
  }

  /** Called by the scheduler; with several instances only one relays per tick. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.leases.runOncePerTick('outbox-relay', this.config.relayIntervalMs, () => this.drain().then(() => undefined));
    } finally {
      this.running = false;
    }
  }

  /** Sends until nothing is due. Returns how many messages were handled. `now` is injectable for tests. */
  async drain(now = () => new Date()): Promise<number> {
    await this.outbox.releaseStale(new Date(now().getTime() - STALE_CLAIM_MS));
    let handled = 0;
    for (;;) {
      const batch = await this.outbox.claimDue(now(), BATCH);
      if (!batch.length) return handled;
      await Promise.all(batch.map((msg) => this.deliver(msg, now)));
      handled += batch.length;
    }
  }

  private async deliver(msg: OutboxMessage, now: () => Date): Promise<void> {
    if (!this.transport) {
      await this.outbox.markSent(msg.id, 'kept', now());
      return;
    }
    try {
      await this.transport.send({
        from: msg.from,
        to: msg.to,
        subject: msg.subject,
        html: msg.html,
        text: msg.text,
        messageId: msg.messageId,
        headers: JSON.parse(msg.headers || '{}'),
        // Bounces come back to an address naming this outbox row (src/mailing/inbound/bounce.handler.ts).
        envelopeFrom: bounceAddress(this.config, this.addressTokens, `o${msg.id}`),
      });
      await this.outbox.markSent(msg.id, 'sent', now());
    } catch (e) {
      const next = afterFailedAttempt(e, msg.attempts, this.config, now());
      if (next.kind === 'retry') await this.outbox.markRetry(msg.id, next.error, next.at);
      else {
        this.logger.warn(`message ${msg.id} to ${msg.to} failed permanently: ${next.error}`);
        await this.outbox.markFailed(msg.id, next.error);
      }
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
