import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Which consumer has applied which event. Written in the same transaction as
 * the handler's effects, so a redelivered event (relay republish, broker
 * redelivery) is acknowledged without running the handler again.
 */
@Entity('event_inbox')
export class InboxEntry {
  @PrimaryColumn({ type: 'text' })
  consumer: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt: Date;
}
