import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { WelcomeMailService } from '../../auth/welcome-mail.service';
import { AppError } from '../../common/errors/app-error';
import { hmacHex, safeEqual } from '../../common/crypto';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database, isUniqueViolation } from '../../database/database.service';
import { GrantsRepository } from '../access/grants.repository';
import { GrantsService } from '../access/grants.service';
import { Product } from '../catalogue/entities/product.entity';
import { ProductsRepository } from '../catalogue/products.repository';
import { User } from '../../users/entities/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { UsersService } from '../../users/users.service';
import { isGrantOver } from '../access/access-rule';
import { OrderWebhookInput, parseOrderWebhook, RefundInput } from './order-webhook.parse';
import { Order } from './entities/order.entity';
import { OrdersRepository, purchaseTag } from './orders.repository';
import { BanCheck } from '../../bans/ban-check';

export interface WebhookResult {
  /** `held`: the buyer's identity is banned (src/bans); the order is stored for staff to release or decline. */
  status: 'ok' | 'held';
  orderId: number;
  clientId: number;
  grantId: number | null;
}

/**
 * POST /webhooks/orders. Idempotent by the seller's order id (unique `orders.external_id`): a repeated
 * `order.paid` finds the order and answers as before; a repeated refund finds it already refunded.
 */
@Injectable()
export class OrderWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly orders: OrdersRepository,
    private readonly products: ProductsRepository,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly grants: GrantsService,
    private readonly grantsRepo: GrantsRepository,
    private readonly welcome: WelcomeMailService,
    private readonly audit: AuditService,
    private readonly bans: BanCheck,
  ) {}

  async handle(rawBody: Buffer | undefined, signature: string | undefined, body: unknown, ip: string): Promise<WebhookResult> {
    this.verifySignature(rawBody, signature);
    const input = parseOrderWebhook(body);
    const actor: Actor = { userId: null, label: 'webhook', ip };
    if (input.event === 'order.refunded') return this.refund(actor, input);
    const paid = input as OrderWebhookInput;
    const product = await this.products.findBySlug(paid.product);
    if (!product) throw new AppError('unprocessable', 'orders.unknown_product', `Unknown product "${paid.product}"`, { product: 'unknown product slug' });
    // Two deliveries of one order (or two orders of one new client) can race on MySQL; the loser's
    // transaction rolls back on the unique key and the retry finds what the winner wrote.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((m) => this.paidIn(m, actor, paid, product, rawBody!.toString('utf8')));
      } catch (e) {
        if (attempt < 2 && isUniqueViolation(e)) continue;
        throw e;
      }
    }
  }

  private verifySignature(rawBody: Buffer | undefined, signature: string | undefined): void {
    const secret = this.config.webhookSecret;
    if (!secret) throw new AppError('unavailable', 'orders.webhook_disabled', 'The order webhook is not configured (WEBHOOK_SECRET)');
    const expected = `sha256=${hmacHex(secret, rawBody ?? Buffer.alloc(0))}`;
    if (!rawBody || !signature || !safeEqual(signature.trim().toLowerCase(), expected)) {
      throw new AppError('unauthenticated', 'orders.bad_signature', 'Missing or wrong X-Kabinet-Signature');
    }
  }

  private async paidIn(m: EntityManager, actor: Actor, input: OrderWebhookInput, product: Product, payload: string): Promise<WebhookResult> {
    const productId = product.id;
    const existing = await this.orders.findByExternalId(m, input.orderId);
    if (existing?.status === 'held') return { status: 'held', orderId: existing.id, clientId: existing.clientId, grantId: null };
    if (existing) {
      // An order that met access already for ever answered with the grant giving that access; so does its repeat.
      const grantId =
        (await this.orders.findGrantIdForOrder(m, existing.id)) ?? (await this.grantsRepo.findActive(existing.clientId, existing.productId, new Date(), m))?.id ?? null;
      return { status: 'ok', orderId: existing.id, clientId: existing.clientId, grantId };
    }
    const { client, isNew } = await this.findOrCreateClient(m, actor, input);
    // A banned identity's order is kept (the money was taken) but grants nothing and sends no welcome: it waits,
    // `held`, in the admin orders list for a person to release or decline it.
    const held = !!(await this.bans.findActive(input.email, new Date(), m));
    const order = await this.orders.insert(m, {
      externalId: input.orderId,
      clientId: client.id,
      productId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      paidAt: input.paidAt,
      paymentProvider: input.paymentProvider,
      paymentRef: input.paymentRef,
      // What the platform sent, byte for byte (it is signed), for disputes and support.
      payload,
    }, held ? 'held' : 'paid');
    if (held) {
      await this.audit.record(m, actor, {
        action: 'order.held',
        subjectType: 'client',
        subjectId: client.id,
        after: { orderId: order.id, externalId: order.externalId, productId, amountMinor: order.amountMinor, currency: order.currency, newClient: isNew },
      });
      return { status: 'held', orderId: order.id, clientId: client.id, grantId: null };
    }
    // The order id on the grant event lets a refund find an extension this order made (see refund()); the tag is for people.
    const grant = await this.grants.extendOrGrant(m, actor, { clientId: client.id, productId, source: 'purchase', days: null, orderId: order.id, reason: purchaseTag(order.id) });
    await this.audit.record(m, actor, {
      action: 'order.paid',
      subjectType: 'client',
      subjectId: client.id,
      after: { orderId: order.id, externalId: order.externalId, productId, amountMinor: order.amountMinor, currency: order.currency, grantId: grant.id },
    });
    if (isNew) await this.welcome.send(m, client, { products: [product.title], purchase: true, idempotencyKey: `welcome:${client.id}` });
    return { status: 'ok', orderId: order.id, clientId: client.id, grantId: grant.id };
  }

  private async findOrCreateClient(m: EntityManager, actor: Actor, input: OrderWebhookInput): Promise<{ client: User; isNew: boolean }> {
    const found = await this.users.findByEmail(input.email, m);
    if (found) {
      if (found.role !== 'client') {
        throw new AppError('unprocessable', 'orders.email_not_client', 'The email belongs to a staff account', { email: 'belongs to a staff account' });
      }
      return { client: found, isNew: false };
    }
    const client = await this.usersService.create(m, { email: input.email, name: input.name, role: 'client', password: null });
    await this.audit.record(m, actor, { action: 'client.create', subjectType: 'client', subjectId: client.id, after: { email: client.email, via: 'order' } });
    return { client, isNew: true };
  }

  /**
   * Records the refund and, when the product says so, undoes what purchases did to the client's access. The
   * rule, kept simple on purpose because every purchase buys access for ever:
   * - while the client still has another paid order for the product, the access stays (it is still paid for);
   * - otherwise each grant a purchase created is revoked (reason "refund"), and each grant a purchase extended
   *   goes back to the end it had before the latest purchase extended it (revoked if that end has passed); the
   *   extension is found by the order id on its grant event, and other changes of the grant stay.
   * An order that met access already for ever (a forever key, a manual grant) changed nothing, so its refund
   * changes nothing either.
   */
  private async refund(actor: Actor, input: RefundInput): Promise<WebhookResult> {
    return this.db.transaction(async (m) => {
      const order = await this.orders.findByExternalId(m, input.orderId);
      if (!order) throw new AppError('unprocessable', 'orders.unknown_order', `Unknown order "${input.orderId}"`, { orderId: 'unknown order' });
      const grantId = await this.orders.findGrantIdForOrder(m, order.id);
      if (!(await this.orders.markRefunded(m, order.id, new Date()))) return { status: 'ok', orderId: order.id, clientId: order.clientId, grantId };
      const product = await this.products.findById(order.productId, m);
      let changes: { grantId: number; endsAt: Date | null; revoked: boolean }[] = [];
      let stillPaid = false;
      if (product?.endGrantOnRefund) {
        stillPaid = await this.orders.hasOtherPaidOrder(m, order.clientId, order.productId, order.id);
        if (!stillPaid) changes = await this.undoPurchases(m, actor, order);
      }
      await this.audit.record(m, actor, {
        action: 'order.refunded',
        subjectType: 'client',
        subjectId: order.clientId,
        before: { orderId: order.id, status: 'paid' },
        after: { orderId: order.id, status: 'refunded', grantEnded: changes.some((c) => c.revoked), grantChanges: changes, ...(stillPaid ? { keptByAnotherOrder: true } : {}) },
      });
      return { status: 'ok', orderId: order.id, clientId: order.clientId, grantId };
    });
  }

  private async undoPurchases(m: EntityManager, actor: Actor, order: Order): Promise<{ grantId: number; endsAt: Date | null; revoked: boolean }[]> {
    const now = new Date();
    const changes: { grantId: number; endsAt: Date | null; revoked: boolean }[] = [];
    for (const { grant: g, createdByPurchase, endsAtBeforePurchase } of await this.orders.purchaseEffects(m, order.clientId, order.productId)) {
      if (isGrantOver(g, now)) continue;
      if (createdByPurchase) {
        await this.grants.revoke(m, actor, g.id, 'refund');
        changes.push({ grantId: g.id, endsAt: g.endsAt, revoked: true });
        continue;
      }
      const back = endsAtBeforePurchase;
      if (!back) continue; // it was for ever before any purchase: nothing of theirs to undo
      if (g.endsAt !== null && g.endsAt <= back) continue; // already no longer than before the purchase
      if (back <= now) {
        await this.grants.revoke(m, actor, g.id, 'refund');
        changes.push({ grantId: g.id, endsAt: g.endsAt, revoked: true });
      } else {
        await this.grants.extend(m, actor, g.id, back, 'refund');
        changes.push({ grantId: g.id, endsAt: back, revoked: false });
      }
    }
    return changes;
  }
}
