import { Controller, Get, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, Roles } from '../../common/http/decorators';
import { pagerLinks, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { OrdersService } from './orders.service';

type Q = Record<string, string | undefined>;

/** The client's own orders and the staff list of all orders. */
@ApiExcludeController()
@Controller()
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Roles('client')
  @Get('account/orders')
  @Render('orders/account')
  async mine(@Ctx() ctx: RequestContext) {
    return { orders: await this.orders.listForClient(ctx.user!.id, ctx.locale) };
  }

  @Roles(...STAFF_ROLES)
  @Get('admin/orders')
  @Render('orders/admin')
  async adminList(@Query() q: Q, @Ctx() ctx: RequestContext) {
    const page = parsePage(q, 50);
    const res = await this.orders.search({ email: q.email, product: q.product }, page, ctx.locale);
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }
}
