import type { Tx } from '../db/schema.ts';

/** What changed on a school's roster, told to other domains inside the same transaction. */
export interface RosterChange {
  schoolId: string;
  /** Classes whose membership (students, teachers, guardians of students) may have changed. */
  classIds: string[];
  /** People whose roles, links or account may have changed. */
  personIds: string[];
}

export type RosterListener = (trx: Tx, change: RosterChange) => Promise<void>;

/**
 * Other domains (messaging keeps chat membership in step with the roster) subscribe here.
 * Listeners run inside the transaction that changed the roster, so both commit or neither.
 */
export class RosterHooks {
  private readonly listeners: RosterListener[] = [];
  on(listener: RosterListener): void {
    this.listeners.push(listener);
  }
  async changed(trx: Tx, change: RosterChange): Promise<void> {
    for (const listener of this.listeners) await listener(trx, change);
  }
}
