import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One counter row per aggregate. The upsert that bumps it row-locks it until
 * the caller's transaction ends, so sequences are gap-free and follow commit
 * order even when the caller forgot to lock the aggregate.
 */
@Entity('event_sequences')
export class EventSequence {
  @PrimaryColumn({ name: 'aggregate_id', type: 'text' })
  aggregateId: string;

  @Column({ name: 'last_sequence', type: 'integer' })
  lastSequence: number;
}
