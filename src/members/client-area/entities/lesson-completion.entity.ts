import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A client marked a lesson as done; one row per client and lesson, gone with either (ON DELETE CASCADE). */
@Entity('lesson_completions')
export class LessonCompletion {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'lesson_id', type: 'integer' }) lessonId: number;
  /** When it was first marked; marking again leaves it. */
  @Column({ name: 'completed_at', type: 'datetime' }) completedAt: Date;
}
