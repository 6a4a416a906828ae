import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('lessons')
export class Lesson {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ name: 'section_id', type: 'integer', nullable: true }) sectionId: number | null;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ name: 'body_md', type: 'text' }) bodyMd: string;
  /** Rendered and sanitised when saved, so a page view never runs the Markdown renderer. */
  @Column({ name: 'body_html', type: 'text' }) bodyHtml: string;
  @Column({ type: 'integer', default: 0 }) position: number;
  /** Opens this many days after the grant starts (drip)… */
  @Column({ name: 'drip_days', type: 'integer', nullable: true }) dripDays: number | null;
  /** …or on this fixed date. */
  @Column({ name: 'drip_date', type: 'datetime', nullable: true }) dripDate: Date | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
