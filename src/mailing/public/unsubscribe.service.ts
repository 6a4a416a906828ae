import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { Subscriber } from '../subscribers/entities/subscriber.entity';
import { MailingTokens, UnsubscribeTarget } from '../mailing-tokens';
import { RecipientsRepository } from '../sender/recipients.repository';
import { ListsRepository } from '../lists/lists.repository';
import { SubscribersRepository } from '../subscribers/subscribers.repository';
import { SubscriptionsService } from '../subscribers/subscriptions.service';

/** How long a one-click reply waits for mail already handed to the SMTP server for this address. */
const IN_FLIGHT_WAIT_MS = 10_000;
const IN_FLIGHT_POLL_MS = 20;

export interface UnsubscribeView {
  target: UnsubscribeTarget;
  subscriber: Subscriber;
  /** The list the mail came through; null = a mail to product clients, where unsubscribing means from all. */
  list: MailingList | null;
  alreadyDone: boolean;
  preferencesToken: string;
}

/**
 * The List-Unsubscribe URL (RFC 8058). GET only describes what a POST would do (link scanners follow GETs);
 * POST unsubscribes, idempotently, with no cookie and no CSRF token: the HMAC in the URL is the authority.
 */
@Injectable()
export class UnsubscribeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly tokens: MailingTokens,
    private readonly subscribers: SubscribersRepository,
    private readonly lists: ListsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly recipients: RecipientsRepository,
  ) {}

  /** Null for a forged, altered or foreign token, or a subscriber that no longer exists. */
  async describe(token: string): Promise<UnsubscribeView | null> {
    const target = this.tokens.readUnsubscribe(token);
    if (!target) return null;
    const subscriber = await this.subscribers.findById(target.subscriberId);
    if (!subscriber) return null;
    const list = target.listId ? await this.lists.findById(target.listId) : null;
    let alreadyDone: boolean;
    if (list) alreadyDone = (await this.subscribers.findSubscription(subscriber.id, list.id))?.status === 'unsubscribed' || subscriber.suppressedReason !== null;
    else alreadyDone = subscriber.suppressedReason !== null;
    return { target, subscriber, list, alreadyDone, preferencesToken: this.tokens.preferences(subscriber.id) };
  }

  /**
   * The preferences token for the person an unsubscribe token names (null for a bad token). Campaign mail links
   * to preferences through its unsubscribe token, so a send signs one token per mail, and this one is signed
   * only when somebody follows the link.
   */
  preferencesTokenFor(token: string): string | null {
    const target = this.tokens.readUnsubscribe(token);
    return target ? this.tokens.preferences(target.subscriberId) : null;
  }

  /**
   * One click. Returns null for a bad token. The change commits before this returns, and so does every row of
   * a running campaign still waiting for this address; a mail a sender had already handed to the SMTP server
   * is waited for (up to 10 s), so once the caller answers 200 no more mail for this address goes out.
   */
  async oneClick(token: string, ip: string, scopeAll = false): Promise<UnsubscribeView | null> {
    const view = await this.describe(token);
    if (!view) return null;
    const { target } = view;
    // A running sender updates the same recipient rows; InnoDB may pick this transaction as a deadlock victim.
    await this.db.transaction(
      (m) =>
        this.subscriptions.unsubscribe(m, target.subscriberId, view.list && !scopeAll ? { listId: view.list.id } : 'all', {
          source: 'one-click',
          ip,
          campaignId: target.campaignId || null,
        }),
      { retries: 4 },
    );
    await this.waitForInFlight(target.subscriberId);
    return { ...view, alreadyDone: true };
  }

  private async waitForInFlight(subscriberId: number): Promise<void> {
    const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
    const since = new Date(Date.now() - this.config.senderStaleSeconds * 1000);
    while (Date.now() < deadline && (await this.recipients.hasInFlight(subscriberId, since))) {
      await new Promise((r) => setTimeout(r, IN_FLIGHT_POLL_MS));
    }
  }
}
