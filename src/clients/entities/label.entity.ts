import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

@Entity('labels')
export class Label {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 60 }) name: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}

@Entity('client_labels')
export class ClientLabel {
  @PrimaryColumn({ name: 'client_id', type: 'integer' }) clientId: number;
  @PrimaryColumn({ name: 'label_id', type: 'integer' }) labelId: number;
}
