import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { AccessKey } from './entities/access-key.entity';
import { Product } from '../catalogue/entities/product.entity';

export type KeyState = 'unused' | 'used' | 'disabled';

export interface KeyFilter {
  productId?: number;
  state?: KeyState;
  batch?: string;
}

export interface KeyRow {
  key: AccessKey;
  productSlug: string;
  productTitle: string;
}

@Injectable()
export class AccessKeysRepository {
  constructor(private readonly db: Database) {}

  async insertMany(m: EntityManager, rows: Omit<AccessKey, 'id'>[]): Promise<void> {
    // Chunks keep each statement well under MySQL's placeholder and packet limits.
    for (let i = 0; i < rows.length; i += 500) await m.insert(AccessKey, rows.slice(i, i + 500));
  }

  findByCode(m: EntityManager, code: string): Promise<AccessKey | null> {
    return m.findOneBy(AccessKey, { code });
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<AccessKey | null> {
    return m.findOneBy(AccessKey, { id });
  }

  /** The conditional update is the lock: of two concurrent redemptions only one changes the row. */
  async markRedeemed(m: EntityManager, id: number, clientId: number, at: Date): Promise<boolean> {
    const res = await m.update(AccessKey, { id, redeemedAt: IsNull(), disabledAt: IsNull() }, { redeemedAt: at, redeemedBy: clientId });
    return (res.affected ?? 0) === 1;
  }

  async disable(m: EntityManager, id: number, at: Date): Promise<boolean> {
    const res = await m.update(AccessKey, { id, disabledAt: IsNull() }, { disabledAt: at });
    return (res.affected ?? 0) === 1;
  }

  listBatch(batch: string): Promise<KeyRow[]> {
    return this.query({ batch }).orderBy('k.id', 'ASC').getRawAndEntities().then(toRows);
  }

  async search(f: KeyFilter, page: Page): Promise<[KeyRow[], number]> {
    const qb = this.query(f);
    const total = await qb.getCount();
    const rows = toRows(await qb.orderBy('k.id', 'DESC').offset(page.offset).limit(page.limit).getRawAndEntities());
    return [rows, total];
  }

  private query(f: KeyFilter) {
    const qb = this.db.manager
      .createQueryBuilder(AccessKey, 'k')
      .innerJoin(Product, 'p', 'p.id = k.product_id')
      .select(['k'])
      .addSelect('p.slug', 'product_slug')
      .addSelect('p.title', 'product_title');
    if (f.productId) qb.andWhere('k.product_id = :productId', { productId: f.productId });
    if (f.batch) qb.andWhere('k.batch = :batch', { batch: f.batch });
    if (f.state === 'used') qb.andWhere('k.redeemed_at IS NOT NULL');
    if (f.state === 'unused') qb.andWhere('k.redeemed_at IS NULL AND k.disabled_at IS NULL');
    if (f.state === 'disabled') qb.andWhere('k.disabled_at IS NOT NULL');
    return qb;
  }
}

function toRows({ entities, raw }: { entities: AccessKey[]; raw: Record<string, unknown>[] }): KeyRow[] {
  return entities.map((key, i) => ({ key, productSlug: String(raw[i].product_slug), productTitle: String(raw[i].product_title) }));
}
