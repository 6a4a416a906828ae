import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { Product } from './entities/product.entity';

export type ProductData = Pick<Product, 'slug' | 'title' | 'description' | 'priceLabel' | 'status' | 'endGrantOnRefund'>;

@Injectable()
export class ProductsRepository {
  constructor(private readonly db: Database) {}

  findById(id: number, m: EntityManager = this.db.manager): Promise<Product | null> {
    return m.findOneBy(Product, { id });
  }

  findBySlug(slug: string, m: EntityManager = this.db.manager): Promise<Product | null> {
    return m.findOneBy(Product, { slug: slug.trim().toLowerCase() });
  }

  findByIds(ids: number[]): Promise<Product[]> {
    return ids.length ? this.db.manager.findBy(Product, { id: In(ids) }) : Promise.resolve([]);
  }

  /** Newest first, for the admin list and the API. */
  listPage(page: Page): Promise<[Product[], number]> {
    return this.db.manager.findAndCount(Product, { order: { id: 'DESC' }, take: page.limit, skip: page.offset });
  }

  async slugTaken(m: EntityManager, slug: string, exceptId?: number): Promise<boolean> {
    const p = await m.findOneBy(Product, { slug });
    return !!p && p.id !== exceptId;
  }

  insert(m: EntityManager, data: ProductData): Promise<Product> {
    const now = new Date();
    return m.save(Product, m.create(Product, { ...data, createdAt: now, updatedAt: now }));
  }

  async update(m: EntityManager, id: number, patch: Partial<ProductData>): Promise<void> {
    await m.update(Product, { id }, { ...patch, updatedAt: new Date() });
  }
}
