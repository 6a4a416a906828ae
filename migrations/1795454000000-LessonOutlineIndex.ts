import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * The lesson page reads its product's outline version on every request: the count and newest `updated_at` of
 * the product's lessons. With (product_id, updated_at) both come from the index alone, instead of visiting
 * every lesson row (and its body) of the product.
 */
export class LessonOutlineIndex1795454000000 implements MigrationInterface {
  name = 'LessonOutlineIndex1795454000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createIndex('lessons', new TableIndex({ name: 'ix_lessons_product_updated', columnNames: ['product_id', 'updated_at'] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('lessons', 'ix_lessons_product_updated');
  }
}
