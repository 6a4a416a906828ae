import { Controller, Get, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, Roles } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { endOfLocalDay, startOfLocalDay } from '../common/time/zoned-time';
import { pagerLinks, parsePage } from '../common/http/pagination';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { AuditService, SUBJECT_TYPES } from './audit.service';

type Q = Record<string, string | undefined>;

/** The days of the from/to filter, in the reader's zone: from the start of `from` to the end of `to`. */
function parseDay(v: string | undefined, zone: string, end = false): Date | undefined {
  if (!v) return undefined;
  return (end ? endOfLocalDay(v, zone) : startOfLocalDay(v, zone)) ?? undefined;
}

/** The audit log page, with filters. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Render('admin/audit')
  async auditLog(@Query() q: Q, @Ctx() ctx: RequestContext) {
    const page = parsePage(q, 50);
    const res = await this.audit.search({
      action: q.action?.trim() || undefined,
      actor: q.actor?.trim() || undefined,
      subjectType: q.subjectType?.trim() || undefined,
      subjectId: q.subjectId?.trim() || undefined,
      from: parseDay(q.from, ctx.timeZone),
      to: parseDay(q.to, ctx.timeZone, true),
      ...page,
    }, ctx.locale);
    return { ...res, q, subjectTypes: SUBJECT_TYPES, pager: pagerLinks(res.total, page, q) };
  }
}
