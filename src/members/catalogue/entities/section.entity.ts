import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('product_sections')
export class Section {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'integer', default: 0 }) position: number;
}
