import { Controller, Get, Param, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, Roles } from '../../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { HeldOrdersService } from './held-orders.service';
import { OrdersService } from './orders.service';

type Q = Record<string, string | undefined>;

/** The client's own orders and the staff list of all orders. */
@ApiExcludeController()
@Controller()
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly held: HeldOrdersService,
  ) {}

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
    const status = q.status === 'held' ? 'held' : undefined;
    const res = await this.orders.search({ email: q.email, product: q.product, status }, page, ctx.locale);
    return { ...res, q, done: q.done === 'released' || q.done === 'declined' ? q.done : null, canSettle: ctx.user!.role === 'owner' || ctx.user!.role === 'admin', pager: pagerLinks(res.total, page, q) };
  }

  /** A held order (its buyer is banned, src/bans) granted after all. */
  @Roles('owner', 'admin')
  @Post('admin/orders/:id/release')
  @Redirect('/admin/orders', 303)
  async release(@Param('id') id: string, @CurrentActor() actor: Actor) {
    await this.held.release(actor, parseId(id, 'order'));
    return { url: '/admin/orders?status=held&done=released' };
  }

  /** A held order refused: no access; the refund itself is made in the payment system. */
  @Roles('owner', 'admin')
  @Post('admin/orders/:id/decline')
  @Redirect('/admin/orders', 303)
  async decline(@Param('id') id: string, @CurrentActor() actor: Actor) {
    await this.held.decline(actor, parseId(id, 'order'));
    return { url: '/admin/orders?status=held&done=declined' };
  }
}
