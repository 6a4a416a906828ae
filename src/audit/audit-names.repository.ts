import { Injectable } from '@nestjs/common';
import { EntityTarget, In, ObjectLiteral } from 'typeorm';
import { ApiKey } from '../auth/api-keys/entities/api-key.entity';
import { Label } from '../clients/entities/label.entity';
import { Database } from '../database/database.service';
import { Campaign } from '../mailing/campaigns/entities/campaign.entity';
import { MailingList } from '../mailing/lists/entities/mailing-list.entity';
import { Subscriber } from '../mailing/subscribers/entities/subscriber.entity';
import { Grant } from '../members/access/entities/grant.entity';
import { Lesson } from '../members/catalogue/entities/lesson.entity';
import { Product } from '../members/catalogue/entities/product.entity';
import { AccessKey } from '../members/keys/entities/access-key.entity';
import { User } from '../users/entities/user.entity';

/** The kinds of object an audit entry can name, in its subject or in its details. */
export type NamedKind = 'user' | 'product' | 'lesson' | 'campaign' | 'mailing_list' | 'subscriber' | 'api_key' | 'access_key' | 'label' | 'grant';

/** What the log shows of a named object that still exists; a missing one was deleted. */
export interface NamedObject {
  name: string;
  /** users only: staff and clients have different admin pages, and a client is named by their address. */
  role?: string;
  email?: string;
  /** grants only: the product the access was to. */
  productId?: number;
}

export type NameRequests = Partial<Record<NamedKind, Set<number>>>;
export type Names = Map<string, NamedObject>;
export const nameKey = (kind: NamedKind, id: number | string): string => `${kind}:${id}`;

/**
 * Read-only look-ups of the names an audit page shows, one query per kind of object per page. The log names
 * objects of every feature and outlives them, so it reads their tables by id here instead of asking each
 * feature's service: a display concern, never a rule of the domain.
 */
@Injectable()
export class AuditNamesRepository {
  constructor(private readonly db: Database) {}

  async resolve(req: NameRequests): Promise<Names> {
    const names: Names = new Map();
    const load = async <T extends ObjectLiteral & { id: number }>(entity: EntityTarget<T>, kind: NamedKind, show: (row: T) => NamedObject) => {
      const ids = [...(req[kind] ?? [])].filter((id) => Number.isSafeInteger(id) && id > 0);
      if (!ids.length) return;
      const rows = await this.db.manager.getRepository(entity).findBy({ id: In(ids) } as never);
      for (const row of rows) names.set(nameKey(kind, row.id), show(row));
    };
    // A grant is named by its product, so grants come first and add their products to the look-up.
    await load(Grant, 'grant', (g) => ({ name: `#${g.id}`, productId: g.productId }));
    for (const g of names.values()) if (g.productId) (req.product ??= new Set()).add(g.productId);
    await load(User, 'user', (u) => ({ name: u.name || u.email, role: u.role, email: u.email }));
    await load(Product, 'product', (p) => ({ name: p.title }));
    await load(Lesson, 'lesson', (l) => ({ name: l.title }));
    await load(Campaign, 'campaign', (c) => ({ name: c.subject }));
    await load(MailingList, 'mailing_list', (l) => ({ name: l.name }));
    await load(Subscriber, 'subscriber', (s) => ({ name: s.email }));
    await load(ApiKey, 'api_key', (k) => ({ name: k.name }));
    // Codes open products: the log names a key by its number, never by its code.
    await load(AccessKey, 'access_key', (k) => ({ name: `#${k.id}` }));
    await load(Label, 'label', (l) => ({ name: l.name }));
    return names;
  }
}
