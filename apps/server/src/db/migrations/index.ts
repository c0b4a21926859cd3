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
import * as m0220 from './0220_signin_oidc_passkeys.ts';
import * as m0230 from './0230_meeting_minutes.ts';
import * as m0231 from './0231_message_acks.ts';
import * as m0232 from './0232_consultations.ts';
import * as m0200 from './0200_bots.ts';
import * as m0210 from './0210_import.ts';
import * as m0250 from './0250_notify_reach.ts';
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
  '0220_signin_oidc_passkeys': m0220,
  '0230_meeting_minutes': m0230,
  '0231_message_acks': m0231,
  '0232_consultations': m0232,
  '0200_bots': m0200,
  '0210_import': m0210,
  '0250_notify_reach': m0250,
  '0240_meeting_cohosts': m0240,
};
