import { Injectable } from '@nestjs/common';
import { OutboxRepository } from '../mail/outbox.repository';
import { UsersRepository } from '../users/users.repository';

@Injectable()
export class DashboardService {
  constructor(
    private readonly users: UsersRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async stats() {
    const [users, pendingMail, failedMail] = await Promise.all([
      this.users.countByRole(),
      this.outbox.countByStatus('pending'),
      this.outbox.countByStatus('failed'),
    ]);
    return { users, pendingMail, failedMail };
  }
}
