import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../../database/transformers';

/**
 * `held`: paid by a banned identity (src/bans): stored, nothing granted, waiting for staff to release it (→ paid,
 * granted then) or decline it (→ declined: no access; the money goes back through the payment system).
 */
export type OrderStatus = 'paid' | 'refunded' | 'held' | 'declined';

/** Who took the payment, when the seller's webhook says so: it decides which refund adapter refunds the order. */
export type PaymentProvider = 'yookassa' | 'stripe';
export const PAYMENT_PROVIDERS: readonly PaymentProvider[] = ['yookassa', 'stripe'];

@Entity('orders')
export class Order {
  @PrimaryGeneratedColumn() id: number;
  /** The selling platform's order id: the idempotency key of the webhook. */
  @Column({ name: 'external_id', type: 'varchar', length: 191 }) externalId: string;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ type: 'varchar', length: 16 }) status: OrderStatus;
  /** Minor units (kopecks, cents). */
  @Column({ name: 'amount_minor', type: 'bigint', transformer: bigintNumber }) amountMinor: number;
  @Column({ name: 'amount_currency', type: 'varchar', length: 3 }) currency: string;
  @Column({ name: 'paid_at', type: 'datetime' }) paidAt: Date;
  @Column({ name: 'refunded_at', type: 'datetime', nullable: true }) refundedAt: Date | null;
  @Column({ type: 'text', nullable: true }) payload: string | null;
  @Column({ name: 'payment_provider', type: 'varchar', length: 16, nullable: true }) paymentProvider: PaymentProvider | null;
  /** The provider's payment id (YooKassa payment id, Stripe PaymentIntent `pi_…` or charge `ch_…`). */
  @Column({ name: 'payment_ref', type: 'varchar', length: 191, nullable: true }) paymentRef: string | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
