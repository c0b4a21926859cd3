import { sql } from 'kysely';
import type { Message } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import type { ChatKind } from '../messaging/tables.ts';

/**
 * What raises a push: one entry per update type of the stream. Each turns a committed event into
 * intents: who is notified now, who is held by their working hours, and what passes an
 * "important only" setting. Adding a trigger (diary grades, homework, absences) is one entry here.
 */
export interface StreamEvent {
  pos: number;
  chatId: string | null;
  userId: string | null;
  type: string;
  payload: Record<string, unknown>;
}

export interface Intent {
  /** Stable per event; with the device, the delivery's unique key. */
  eventKey: string;
  kind: string;
  schoolId: string;
  chatId: string | null;
  messageId: string | null;
  /** The instant the event happened: quiet hours are judged against it. */
  at: Date;
  notify: string[];
  /** Held by their own working hours (decided when the event was stored). */
  quiet: string[];
  /** Accounts for which this passes the level "mentions and teachers only". */
  important: Set<string>;
}

export type Trigger = (db: Queryable, event: StreamEvent) => Promise<Intent[]>;

/** In these chats a level of "important" is the default: only teachers' messages and mentions buzz. */
const BUSY_KINDS: readonly ChatKind[] = ['class', 'parents', 'parents_only'];

export const defaultLevel = (kind: ChatKind): 'all' | 'important' => (BUSY_KINDS.includes(kind) ? 'important' : 'all');

/** A new message: the recipients the send decided (messaging/quiet.ts, `notification_decisions`). */
const messageNew: Trigger = async (db, event) => {
  const message = event.payload.message as Message | undefined;
  if (!message || !event.chatId) return [];
  const [decision, chat] = await Promise.all([
    sql<{ notify: string[]; quiet: string[] }>`SELECT notify::text[] AS notify, quiet::text[] AS quiet FROM notification_decisions WHERE message_id = ${message.id}::uuid`
      .execute(db)
      .then((r) => r.rows[0]),
    db.selectFrom('chats').select(['kind', 'school_id']).where('id', '=', event.chatId).executeTakeFirst(),
  ]);
  if (!decision || !chat) return [];
  const everyone = [...decision.notify, ...decision.quiet];
  const mentioned = new Set(message.entities.flatMap((e) => (e.type === 'mention' ? [e.personId] : [])));
  const important = new Set<string>();
  const byStaff = message.author.isStaff;
  const personal = chat.kind === 'direct' || chat.kind === 'school_channel' || chat.kind === 'class_channel';
  if (byStaff || personal) everyone.forEach((u) => important.add(u));
  else if (mentioned.size > 0) {
    const people = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', event.chatId).where('person_id', 'in', [...mentioned]).execute();
    people.forEach((p) => important.add(p.user_id));
  }
  return [{ eventKey: `message:${message.id}`, kind: 'message', schoolId: chat.school_id, chatId: event.chatId, messageId: message.id, at: new Date(message.createdAt), notify: decision.notify, quiet: decision.quiet, important }];
};

export const TRIGGERS: Record<string, Trigger> = {
  'message.new': messageNew,
};
