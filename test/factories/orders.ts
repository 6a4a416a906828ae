import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import { Order } from '../../src/members/orders/entities/order.entity';
import type { TestHost } from '../utils/test-host';

/** A purchase notification signed as the selling platform signs it (HMAC-SHA256 of the raw body, WEBHOOK_SECRET). */
export function orderWebhook(t: { http: Server }, secret: string, body: Record<string, unknown>): request.Test {
  const raw = JSON.stringify(body);
  return request(t.http)
    .post('/webhooks/orders')
    .set('Content-Type', 'application/json')
    .set('X-Kabinet-Signature', `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`)
    .send(raw);
}

/** An order paid through the real purchase webhook (client, grant, welcome mail; held for a banned identity). */
export async function paidOrder(
  t: TestHost & { http: Server },
  secret: string,
  o: { email: string; product: string; amount: string; paidAt?: Date },
): Promise<Order> {
  const orderId = `ord-${randomBytes(4).toString('hex')}`;
  const paidAt = (o.paidAt ?? new Date()).toISOString();
  const res = await orderWebhook(t, secret, { event: 'order.paid', orderId, email: o.email, name: 'Buyer', product: o.product, amount: o.amount, currency: 'RUB', paidAt });
  if (res.status >= 300) throw new Error(`order webhook answered ${res.status}: ${res.text}`);
  return t.db.manager.findOneByOrFail(Order, { externalId: orderId });
}
