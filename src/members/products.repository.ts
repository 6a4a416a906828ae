import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../database/database.service';
import { Product } from './entities/product.entity';

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
}
