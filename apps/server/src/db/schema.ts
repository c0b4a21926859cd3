import type { Kysely, Transaction } from 'kysely';
import type { IdentityTables } from '../identity/tables.ts';
import type { DirectoryTables } from '../directory/tables.ts';
import type { MembershipTables } from '../membership/tables.ts';
import type { MessagingTables } from '../messaging/tables.ts';
import type { FilesTables } from '../files/tables.ts';
import type { MeetingsTables } from '../meetings/tables.ts';
import type { DiaryTables } from '../diary/tables.ts';
import type { NotificationsTables } from '../notifications/tables.ts';
import type { MinutesTables } from '../meetings/minutes-tables.ts';
import type { AcksTables } from '../acks/tables.ts';
import type { ConsultationsTables } from '../consultations/tables.ts';
import type { BotsTables } from '../bots/tables.ts';
import type { ImportTables } from '../import/tables.ts';

/** The whole database as Kysely sees it: each domain declares its own tables. */
export interface DB
  extends
    IdentityTables,
    DirectoryTables,
    MembershipTables,
    MessagingTables,
    FilesTables,
    MeetingsTables,
    DiaryTables,
    NotificationsTables,
    MinutesTables,
    AcksTables,
    ConsultationsTables,
    BotsTables,
    ImportTables {}

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or a transaction: store functions take this and never reach for the outer handle. */
export type Queryable = Kysely<DB> | Transaction<DB>;
