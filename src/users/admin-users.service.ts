import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { ROLES, Role, STAFF_ROLES, User } from './entities/user.entity';
import { UsersRepository } from './users.repository';
import { toUserView, UserView } from './users.service';

const RANK: Record<Role, number> = { owner: 3, admin: 2, staff: 1, client: 0 };

@Injectable()
export class AdminUsersService {
  constructor(private readonly users: UsersRepository) {}

  async list(role: string | undefined, page: { limit: number; offset: number }) {
    // `team`: every staff role at once (what the dashboard's staff card counts)
    const roles = role === 'team' ? [...STAFF_ROLES] : ROLES.includes(role as Role) ? [role as Role] : [...ROLES];
    const [rows, total] = await this.users.listByRoles(roles, page.limit, page.offset);
    return { items: rows.map(toUserView), total, roles: ROLES };
  }

  async get(id: number): Promise<UserView> {
    const u = await this.users.findById(id);
    if (!u) throw AppError.notFound('user');
    return toUserView(u);
  }

  /** Staff manage clients; admins manage staff and clients; only the owner manages admins. */
  async assertCanManage(actor: User, targetId: number): Promise<void> {
    const target = await this.users.findById(targetId);
    if (!target) throw AppError.notFound('user');
    if (target.id !== actor.id && RANK[target.role] >= RANK[actor.role]) throw AppError.forbidden('users.rank');
  }
}
