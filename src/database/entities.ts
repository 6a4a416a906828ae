import { ApiKey } from '../api-keys/entities/api-key.entity';
import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { PasswordReset } from '../auth/entities/password-reset.entity';
import { Session } from '../auth/entities/session.entity';
import { OutboxMessage } from '../mail/entities/outbox-message.entity';
import { RateLimit } from '../throttle/rate-limit.entity';
import { User } from '../users/entities/user.entity';
import { JobLease } from './entities/job-lease.entity';

export const ENTITIES = [User, Session, PasswordReset, RateLimit, OutboxMessage, AuditEntry, ApiKey, JobLease];
