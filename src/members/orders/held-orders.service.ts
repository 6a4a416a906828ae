import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { WelcomeMailService } from '../../auth/welcome-mail.service';
import { AppError } from '../../common/errors/app-error';
import { Database } from '../../database/database.service';
import { UsersRepository } from '../../users/users.repository';
import { GrantsService } from '../access/grants.service';
import { ProductsRepository } from '../catalogue/products.repository';
import { OrdersRepository, purchaseTag } from './orders.repository';

/**
 * What staff do with an order the webhook held because its buyer is banned (src/bans): release it (it becomes
 * `paid` and grants what a paid order grants, with the welcome mail a new client would have had) or decline it
 * (`declined`: no access; the money goes back through the payment system, which is where the refund is made).
 * Each moves the order out of `held` once; a second click is a conflict, not a second grant.
 */
@Injectable()
export class HeldOrdersService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly products: ProductsRepository,
    private readonly users: UsersRepository,
    private readonly grants: GrantsService,
    private readonly welcome: WelcomeMailService,
    private readonly audit: AuditService,
  ) {}

  release(actor: Actor, orderId: number): Promise<void> {
    return this.db.transaction(async (m) => {
      const order = await this.orders.findById(m, orderId);
      if (!order) throw AppError.notFound('order');
      if (!(await this.orders.settleHeld(m, order.id, 'paid'))) throw notHeld();
      const grant = await this.grants.extendOrGrant(m, actor, { clientId: order.clientId, productId: order.productId, source: 'purchase', days: null, orderId: order.id, reason: purchaseTag(order.id) });
      await this.audit.record(m, actor, { action: 'order.released', subjectType: 'client', subjectId: order.clientId, after: { orderId: order.id, externalId: order.externalId, grantId: grant.id } });
      const client = await this.users.findById(order.clientId, m);
      const product = await this.products.findById(order.productId, m);
      // The webhook held the welcome mail of a client it created; one who never chose a password gets it now.
      if (client && !client.passwordHash && product) {
        await this.welcome.send(m, client, { products: [product.title], purchase: true, idempotencyKey: `welcome:${client.id}` });
      }
    });
  }

  decline(actor: Actor, orderId: number): Promise<void> {
    return this.db.transaction(async (m) => {
      const order = await this.orders.findById(m, orderId);
      if (!order) throw AppError.notFound('order');
      if (!(await this.orders.settleHeld(m, order.id, 'declined'))) throw notHeld();
      await this.audit.record(m, actor, {
        action: 'order.declined',
        subjectType: 'client',
        subjectId: order.clientId,
        after: { orderId: order.id, externalId: order.externalId, amountMinor: order.amountMinor, currency: order.currency },
      });
    });
  }
}

const notHeld = () => new AppError('conflict', 'orders.not_held', 'bans.errors.order_not_held');
