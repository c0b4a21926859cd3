import type { Tx } from '../db/schema.ts';
import type { Outbox } from '../stream/outbox.ts';

/** What changed on a school's roster, told to other domains inside the same transaction. */
export interface RosterChange {
  schoolId: string;
  /** Classes whose membership (students, teachers, guardians of students) may have changed. */
  classIds: string[];
  /** People whose roles, links or account may have changed. */
  personIds: string[];
}

export type RosterListener = (trx: Tx, outbox: Outbox, change: RosterChange) => Promise<void>;

/**
 * Other domains (messaging keeps chat membership in step with the roster) subscribe here.
 * Listeners run inside the transaction that changed the roster, so both commit or neither, and
 * add their stream events to that transaction's outbox: `withOutbox` (stream/transaction.ts)
 * writes them as its last step and wakes the readers after the commit.
 */
export class RosterHooks {
  private readonly listeners: RosterListener[] = [];
  on(listener: RosterListener): void {
    this.listeners.push(listener);
  }
  async changed(trx: Tx, outbox: Outbox, change: RosterChange): Promise<void> {
    for (const listener of this.listeners) await listener(trx, outbox, change);
  }
}
