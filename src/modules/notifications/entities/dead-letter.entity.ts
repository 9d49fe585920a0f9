import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Events a consumer of the in-process bus gave up on after its attempts.
 * (With RabbitMQ they sit in the consumer's `.dlq` queue instead.) Kept so
 * nothing is lost: an operator can inspect and replay them.
 */
@Entity('event_dead_letters')
@Index('event_dead_letters_consumer_idx', ['consumer', 'eventId'])
export class DeadLetter {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  consumer: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ type: 'jsonb' })
  envelope: Record<string, unknown>;

  @Column({ type: 'text' })
  error: string;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
