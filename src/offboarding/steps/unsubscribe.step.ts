import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { SubscriptionsService } from '../../mailing/subscribers/subscriptions.service';
import { UsersRepository } from '../../users/users.repository';
import type { StepContext, StepExecutor, StepOutcome, StepResults } from '../offboarding.contract';
import { loadClient } from './step-client';

type UnsubscribeResult = StepResults['unsubscribe'];

/**
 * Step 4, remove from lists (local). The address leaves every list and gets a marketing suppression `offboarded`;
 * its campaign rows not handed to a sender yet are skipped (a skipped row is never claimed, and a row a sender
 * holds but has not sent drops out of its next advance()). SubscriptionsService.offboard() does it in a few
 * statements and records the consent events. Run twice, the second run changes nothing and keeps the first's lists.
 */
@Injectable()
export class UnsubscribeStep implements Extract<StepExecutor, { kind: 'local' }> {
  readonly name = 'unsubscribe' as const;
  readonly kind = 'local' as const;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  async run(m: EntityManager, ctx: StepContext): Promise<StepOutcome> {
    const client = await loadClient(this.users, ctx.clientId, this.config.defaultLocale, m);
    const prev = ctx.step.result as UnsubscribeResult | null;
    const done = await this.subscriptions.offboard(m, client.email, { source: 'offboarding', ip: ctx.actor.ip, actor: ctx.actor });
    const lists = new Map((prev?.lists ?? []).map((l) => [l.id, l]));
    for (const l of done.lists) lists.set(l.id, l);
    const result: UnsubscribeResult = {
      lists: [...lists.values()],
      suppressed: (prev?.suppressed ?? false) || done.suppressed,
      campaignRowsSkipped: (prev?.campaignRowsSkipped ?? 0) + done.campaignRowsSkipped,
    };
    return { status: 'done', result: { ...result } };
  }
}
