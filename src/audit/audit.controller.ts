import { Controller, Get, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, Roles } from '../common/http/decorators';
import type { RequestContext } from '../common/http/request-context';
import { pagerLinks, parsePage } from '../common/http/pagination';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { AuditService, SUBJECT_TYPES } from './audit.service';

type Q = Record<string, string | undefined>;

function parseDay(v: string | undefined, endOfDay = false): Date | undefined {
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
  const d = new Date(`${v}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  return endOfDay ? new Date(d.getTime() + 86400_000) : d;
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
      from: parseDay(q.from),
      to: parseDay(q.to, true),
      ...page,
    }, ctx.locale);
    return { ...res, q, subjectTypes: SUBJECT_TYPES, pager: pagerLinks(res.total, page, q) };
  }
}
