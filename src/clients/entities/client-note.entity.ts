import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Private to staff; never shown to the client. */
@Entity('client_notes')
export class ClientNote {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'author_id', type: 'integer', nullable: true }) authorId: number | null;
  @Column({ name: 'author_label', type: 'varchar', length: 254 }) authorLabel: string;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
