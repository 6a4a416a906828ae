import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../database/database.service';
import { ProductCover } from './entities/product-cover.entity';

/** The cover's address: the product's, with a version that changes with each new image (so it can be cached). */
export function coverUrl(c: Pick<ProductCover, 'productId' | 'storageKey'>): string {
  return `/covers/${c.productId}?v=${coverVersion(c)}`;
}

/** From the storage key, which is new for every upload; the key itself never leaves the server. */
export function coverVersion(c: Pick<ProductCover, 'storageKey'>): string {
  return createHash('sha256').update(c.storageKey).digest('hex').slice(0, 16);
}

@Injectable()
export class CoversRepository {
  constructor(private readonly db: Database) {}

  find(productId: number, m: EntityManager = this.db.manager): Promise<ProductCover | null> {
    return m.findOneBy(ProductCover, { productId });
  }

  /** Product id → its cover's address, for lists of products. */
  async urlsFor(productIds: number[]): Promise<Map<number, string>> {
    if (!productIds.length) return new Map();
    const rows = await this.db.manager.find(ProductCover, { where: { productId: In(productIds) }, select: { productId: true, storageKey: true } });
    return new Map(rows.map((c) => [c.productId, coverUrl(c)]));
  }

  /** Sets the product's cover; returns the one it replaces, whose bytes the caller removes after the commit. */
  async replace(m: EntityManager, data: Omit<ProductCover, 'createdAt'>): Promise<ProductCover | null> {
    const before = await this.find(data.productId, m);
    if (before) await m.delete(ProductCover, { productId: data.productId });
    await m.insert(ProductCover, { ...data, createdAt: new Date() });
    return before;
  }

  async remove(m: EntityManager, productId: number): Promise<ProductCover | null> {
    const before = await this.find(productId, m);
    if (before) await m.delete(ProductCover, { productId });
    return before;
  }
}
