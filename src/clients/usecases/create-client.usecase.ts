import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { WelcomeMailService } from '../../auth/welcome-mail.service';
import { Locale } from '../../config/config';
import { GrantSource } from '../../members/access/entities/grant.entity';
import { GrantsService } from '../../members/access/grants.service';
import { User } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';
import { BanCheck } from '../../bans/ban-check';
import { AppError } from '../../common/errors/app-error';

export interface NewClientCommand {
  email: string;
  name: string;
  locale: Locale | null;
  /** Products to open now, each until the end of its day (null = forever). */
  grants: { product: { id: number; title: string }; endsAt: Date | null }[];
  source: Extract<GrantSource, 'manual' | 'import'>;
  reason?: string | null;
  /** Queue the welcome mail (products named, a link to choose a password). */
  welcome: boolean;
  /** Where the client came from, for the audit log. */
  via: 'admin' | 'import' | 'api';
}

/**
 * A client made on their behalf (the admin's form, a CSV row, the API): the account, its grants (each with its
 * grant event and audit entry, through GrantsService) and the welcome mail, inside the caller's transaction, so
 * all of it exists or none. An email that has an account already is a conflict (`users.email_taken`); so is a banned
 * identity (`bans.banned`: lift the ban on the Bans page first).
 */
@Injectable()
export class CreateClient {
  constructor(
    private readonly users: UsersService,
    private readonly grants: GrantsService,
    private readonly welcome: WelcomeMailService,
    private readonly audit: AuditService,
    private readonly bans: BanCheck,
  ) {}

  async execute(m: EntityManager, actor: Actor, cmd: NewClientCommand): Promise<User> {
    if (await this.bans.findActive(cmd.email, new Date(), m)) {
      throw new AppError('conflict', 'bans.banned', 'bans.errors.client_banned', { email: 'bans.errors.client_banned' });
    }
    const client = await this.users.create(m, { email: cmd.email, name: cmd.name, role: 'client', password: null, locale: cmd.locale });
    await this.audit.record(m, actor, { action: 'client.create', subjectType: 'client', subjectId: client.id, after: { email: client.email, via: cmd.via } });
    for (const g of cmd.grants) {
      await this.grants.grant(m, actor, { clientId: client.id, productId: g.product.id, source: cmd.source, endsAt: g.endsAt, reason: cmd.reason ?? null });
    }
    if (cmd.welcome) {
      await this.welcome.send(m, client, { products: cmd.grants.map((g) => g.product.title), idempotencyKey: `welcome:${client.id}` });
    }
    return client;
  }
}
