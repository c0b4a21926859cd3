import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation.ts';
import * as m0010 from './0010_messaging.ts';
import * as m0020 from './0020_files.ts';
import * as m0030 from './0030_meetings.ts';
import * as m0040 from './0040_message_indexes.ts';
import * as m0041 from './0041_decisions_without_message_key.ts';
import * as m0050 from './0050_session_lifetime.ts';
import * as m0060 from './0060_meeting_decisions.ts';
import * as m0061 from './0061_meeting_lobby.ts';
import * as m0100 from './0100_diary.ts';
import * as m0120 from './0120_notifications.ts';
import * as m0240 from './0240_meeting_cohosts.ts';

/**
 * Every migration, in order. The same list runs on PGlite and on PostgreSQL.
 * Add a new file per change (never edit an applied one) and list it here.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0010_messaging': m0010,
  '0020_files': m0020,
  '0030_meetings': m0030,
  '0040_message_indexes': m0040,
  '0041_decisions_without_message_key': m0041,
  '0050_session_lifetime': m0050,
  '0060_meeting_decisions': m0060,
  '0061_meeting_lobby': m0061,
  '0100_diary': m0100,
  '0120_notifications': m0120,
  '0240_meeting_cohosts': m0240,
};
