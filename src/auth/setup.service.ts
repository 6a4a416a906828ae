import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { isEmail } from '../common/email';
import { Database } from '../database/database.service';
import { LeaseService } from '../database/lease.service';
import { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';

export interface SetupInput {
  email: string;
  name: string;
  password: string;
  confirm: string;
  locale: Locale;
}

/** First run: the owner account is created once, from /setup or from ADMIN_EMAIL/ADMIN_PASSWORD. */
@Injectable()
export class SetupService {
  private readonly logger = new Logger('Setup');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly audit: AuditService,
    private readonly leases: LeaseService,
  ) {}

  needsSetup(): Promise<boolean> {
    return this.users.ownerExists().then((exists) => !exists);
  }

  async createOwner(input: SetupInput, ip: string): Promise<User> {
    const fields: Record<string, string> = {};
    const email = (input.email ?? '').trim();
    if (!isEmail(email)) fields.email = 'errors.email_invalid';
    if ((input.name ?? '').length > 200) fields.name = 'errors.too_long';
    Object.assign(fields, this.usersService.validatePassword(input.password));
    if (input.password !== input.confirm) fields.confirm = 'errors.password_mismatch';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    // Racing setups queue on one lock (several browsers on the first page at once): the first creates the owner,
    // the next finds it. `retries` stays for a lock wait that times out on a very busy server.
    return this.db.transaction(async (m) => {
      await this.leases.serialize(m, 'setup');
      if (await this.users.ownerExistsForUpdate(m)) throw new AppError('forbidden', 'setup.done', 'setup.already_done');
      const owner = await this.usersService.create(m, { email, name: input.name, role: 'owner', password: input.password, locale: input.locale });
      await this.audit.record(m, { userId: owner.id, label: owner.email, ip }, { action: 'setup.owner_created', subjectType: 'user', subjectId: owner.id });
      return owner;
    }, { retries: 3 });
  }

  /** ADMIN_EMAIL + ADMIN_PASSWORD create the owner unattended, only while there is none. */
  async ensureOwnerFromEnv(): Promise<'created' | 'exists' | 'not-configured'> {
    if (!this.config.adminEmail || !this.config.adminPassword) return (await this.needsSetup()) ? 'not-configured' : 'exists';
    if (!(await this.needsSetup())) return 'exists';
    try {
      await this.createOwner(
        { email: this.config.adminEmail, name: '', password: this.config.adminPassword, confirm: this.config.adminPassword, locale: this.config.defaultLocale },
        '',
      );
      this.logger.log(`Owner account ${this.config.adminEmail} created from ADMIN_EMAIL/ADMIN_PASSWORD`);
      return 'created';
    } catch (e) {
      if (e instanceof AppError && e.code === 'setup.done') return 'exists';
      throw e;
    }
  }
}
