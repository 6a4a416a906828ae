import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { Grant } from './entities/grant.entity';
import { Lesson } from '../catalogue/entities/lesson.entity';
import { GrantsRepository } from './grants.repository';

const DAY = 86400_000;

/** When a lesson opens for a grant: null = open from the grant's start. */
export function lessonOpensAt(lesson: Pick<Lesson, 'dripDays' | 'dripDate'>, grant: Pick<Grant, 'startsAt'>): Date | null {
  const candidates: number[] = [];
  if (lesson.dripDays !== null && lesson.dripDays > 0) candidates.push(grant.startsAt.getTime() + lesson.dripDays * DAY);
  if (lesson.dripDate) candidates.push(lesson.dripDate.getTime());
  return candidates.length ? new Date(Math.max(...candidates)) : null;
}

export function isLessonOpen(lesson: Pick<Lesson, 'dripDays' | 'dripDate'>, grant: Pick<Grant, 'startsAt'>, now = new Date()): boolean {
  const opens = lessonOpensAt(lesson, grant);
  return !opens || opens <= now;
}

/**
 * The one access check, used by pages, downloads, signed links and the API alike: an active grant (not
 * revoked, within its dates) for a product the client area shows (not a draft), and for a lesson, the lesson
 * open. Anything else is 404 — the same answer a client gets for an object that does not exist, so ids cannot
 * be probed. It reads the database every time: a revoke counts from the very next request, on every instance.
 */
@Injectable()
export class AccessService {
  constructor(private readonly grants: GrantsRepository) {}

  async requireGrant(clientId: number, productId: number, now = new Date()): Promise<Grant> {
    const g = await this.grants.findAccess(clientId, productId, now);
    if (!g) throw AppError.notFound('product');
    return g;
  }

  async requireOpenLesson(clientId: number, lesson: Pick<Lesson, 'productId' | 'dripDays' | 'dripDate'>, now = new Date()): Promise<Grant> {
    const g = await this.requireGrant(clientId, lesson.productId, now);
    if (!isLessonOpen(lesson, g, now)) throw AppError.notFound('lesson');
    return g;
  }
}
