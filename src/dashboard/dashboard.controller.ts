import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, Roles } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { formatMoney } from '../members/orders/orders.service';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { DashboardService } from './dashboard.service';

/** The admin panel's start page: what needs someone, and a few counts from across the features. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @Render('admin/home')
  async home(@Ctx() ctx: RequestContext) {
    const [stats, attention] = await Promise.all([this.dashboard.stats(), this.dashboard.attention()]);
    const refunds = attention.refunds.items.map((r) => ({ ...r, amount: formatMoney(r.amountMinor, r.currency, ctx.locale) }));
    return { stats, attention, refunds };
  }
}
