import { endOfLocalDay } from '../common/time/zoned-time';
import { GrantEvent } from '../members/access/entities/grant-event.entity';
import { Grant, GrantSource } from '../members/access/entities/grant.entity';
import { Order } from '../members/orders/entities/order.entity';
import type { RefundLine } from '../members/orders/refunds/refund.views';
import { isGrantActive } from '../members/access/access-rule';
import { User } from '../users/entities/user.entity';
import { ClientNote } from './entities/client-note.entity';

/** What templates and the API see of clients and their access: never the entities themselves. */
export interface ClientView {
  id: number;
  email: string;
  name: string;
  createdAt: Date;
  labels: { id: number; name: string }[];
}

export interface GrantRowView {
  id: number;
  productId: number;
  productTitle: string;
  source: GrantSource;
  startsAt: Date;
  endsAt: Date | null;
  active: boolean;
  revokedAt: Date | null;
  reason: string | null;
  history: { kind: string; at: Date; endsAtBefore: Date | null; endsAtAfter: Date | null; actor: string; reason: string | null }[];
}

export interface NoteView {
  id: number;
  body: string;
  author: string;
  createdAt: Date;
}

export interface OrderRowView {
  id: number;
  externalId: string;
  productTitle: string;
  status: string;
  amount: string;
  currency: string;
  paidAt: Date;
  refundedAt: Date | null;
  refunds: RefundLine[];
}

export function toClientView(u: User, labels: { id: number; name: string }[] = []): ClientView {
  return { id: u.id, email: u.email, name: u.name, createdAt: u.createdAt, labels };
}

export function toGrantRow(g: Grant, productTitle: string, events: GrantEvent[], now: Date): GrantRowView {
  return {
    id: g.id,
    productId: g.productId,
    productTitle,
    source: g.source,
    startsAt: g.startsAt,
    endsAt: g.endsAt,
    active: isGrantActive(g, now),
    revokedAt: g.revokedAt,
    reason: g.reason,
    history: events.map((e) => ({ kind: e.kind, at: e.createdAt, endsAtBefore: e.endsAtBefore, endsAtAfter: e.endsAtAfter, actor: e.actorLabel, reason: e.reason })),
  };
}

export function toNoteView(n: ClientNote): NoteView {
  return { id: n.id, body: n.body, author: n.authorLabel, createdAt: n.createdAt };
}

export function toOrderRow(o: Order, productTitle: string, refunds: RefundLine[] = []): OrderRowView {
  return {
    id: o.id,
    externalId: o.externalId,
    productTitle,
    status: o.status,
    amount: (o.amountMinor / 100).toFixed(2),
    currency: o.currency,
    paidAt: o.paidAt,
    refundedAt: o.refundedAt,
    refunds,
  };
}

/** An optional end date as typed: empty = forever (null), else `YYYY-MM-DD` through the end of that day in `timeZone`, in the future. */
export function parseEndDate(v: string, timeZone: string, now = new Date()): Date | null | 'bad' | 'past' {
  const s = v.trim();
  if (!s) return null;
  const d = endOfLocalDay(s, timeZone);
  if (!d) return 'bad';
  return d <= now ? 'past' : d;
}
