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
  /** What a delivery that is not a message is about (a diary event): kept with it for the view. */
  details?: DeliveryDetails;
}

/** A diary event as a delivery keeps it: ids only; the view reads names and subjects when asked. */
export interface DeliveryDetails {
  type: 'diary.grade' | 'diary.homework' | 'diary.absence';
  studentId: string | null;
  classId: string;
  subjectId: string | null;
  lessonId: string | null;
  grade?: string;
  dueOn?: string | null;
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
    sql<{
      notify: string[];
      quiet: string[];
    }>`SELECT notify::text[] AS notify, quiet::text[] AS quiet FROM notification_decisions WHERE message_id = ${message.id}::uuid`
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
    const people = await db
      .selectFrom('chat_members')
      .select('user_id')
      .where('chat_id', '=', event.chatId)
      .where('person_id', 'in', [...mentioned])
      .execute();
    people.forEach((p) => important.add(p.user_id));
  }
  return [
    {
      eventKey: `message:${message.id}`,
      kind: 'message',
      schoolId: chat.school_id,
      chatId: event.chatId,
      messageId: message.id,
      at: new Date(message.createdAt),
      notify: decision.notify,
      quiet: decision.quiet,
      important,
    },
  ];
};

/**
 * Diary events are user events, one per account told (diary/events.ts): the student, their
 * guardians, the class's teachers. A push goes to the family only, the student and guardians of
 * `studentIds` (null: any student of the class), never to the staff who made the change.
 */
async function family(db: Queryable, userId: string, schoolId: string, classId: string, studentIds: string[] | null): Promise<boolean> {
  if (studentIds && studentIds.length === 0) return false;
  const r = await sql<{ ok: number }>`
    SELECT 1 AS ok FROM persons p
    WHERE p.user_id = ${userId}::uuid AND p.school_id = ${schoolId}::uuid AND p.archived_at IS NULL
      AND EXISTS (
        SELECT 1 FROM enrolments e
        WHERE e.class_id = ${classId}::uuid AND e.left_at IS NULL
          AND (${studentIds === null} OR e.student_id = ANY(${studentIds ?? []}::uuid[]))
          AND (e.student_id = p.id OR EXISTS (SELECT 1 FROM guardianships g WHERE g.student_id = e.student_id AND g.guardian_id = p.id)))
    LIMIT 1`.execute(db);
  return r.rows.length > 0;
}

/** One diary event for one account: held by their working hours and the school's quiet hours like a message; it always counts as important. */
function diaryIntent(event: StreamEvent, details: DeliveryDetails): Intent[] {
  const userId = event.userId!;
  return [
    {
      eventKey: `diary:${event.pos}`,
      kind: 'diary',
      schoolId: String(event.payload.schoolId),
      chatId: null,
      messageId: null,
      at: new Date(),
      notify: [],
      // Listed as "maybe in quiet hours": deliver() checks their working hours, and sends at once when they have none.
      quiet: [userId],
      important: new Set([userId]),
      details,
    },
  ];
}

type DiaryPayload = {
  schoolId: string;
  classId: string;
  subjectId?: string;
  lessonId?: string;
  studentId?: string;
  grade?: { value: string } | null;
  homeworkId?: string | null;
  dueOn?: string | null;
  marks?: { studentId: string; status: string | null }[];
};

/** A new or changed grade (a removed one notifies nobody). */
const diaryGrade: Trigger = async (db, event) => {
  const p = event.payload as DiaryPayload;
  if (!event.userId || !p.grade || !p.studentId) return [];
  if (!(await family(db, event.userId, p.schoolId, p.classId, [p.studentId]))) return [];
  return diaryIntent(event, {
    type: 'diary.grade',
    studentId: p.studentId,
    classId: p.classId,
    subjectId: p.subjectId ?? null,
    lessonId: p.lessonId ?? null,
    grade: p.grade.value,
  });
};

/** Homework set or changed (removed: nobody). */
const diaryHomework: Trigger = async (db, event) => {
  const p = event.payload as DiaryPayload;
  if (!event.userId || !p.homeworkId) return [];
  if (!(await family(db, event.userId, p.schoolId, p.classId, null))) return [];
  return diaryIntent(event, {
    type: 'diary.homework',
    studentId: null,
    classId: p.classId,
    subjectId: p.subjectId ?? null,
    lessonId: p.lessonId ?? null,
    dueOn: p.dueOn ?? null,
  });
};

/** An absence marked at a lesson ("н"): to that student's family. Lateness, or a mark cleared, notifies nobody. */
const diaryAttendance: Trigger = async (db, event) => {
  const p = event.payload as DiaryPayload;
  const absent = (p.marks ?? []).filter((m) => m.status === 'absent').map((m) => m.studentId);
  if (!event.userId || absent.length === 0) return [];
  // The account's own student among the absent (a guardian of two in one class: one push each).
  const mine = await sql<{ id: string }>`
    SELECT s::text AS id FROM unnest(${absent}::uuid[]) s
    WHERE EXISTS (SELECT 1 FROM persons p WHERE p.user_id = ${event.userId}::uuid AND p.archived_at IS NULL
      AND (p.id = s OR EXISTS (SELECT 1 FROM guardianships g WHERE g.student_id = s AND g.guardian_id = p.id)))`.execute(db);
  return mine.rows.flatMap((r) =>
    diaryIntent(
      { ...event, pos: event.pos },
      { type: 'diary.absence', studentId: r.id, classId: p.classId, subjectId: p.subjectId ?? null, lessonId: p.lessonId ?? null },
    ).map((i) => ({ ...i, eventKey: `diary:${event.pos}:${r.id}` })),
  );
};

export const TRIGGERS: Record<string, Trigger> = {
  'message.new': messageNew,
  'diary.grade': diaryGrade,
  'diary.homework': diaryHomework,
  'diary.attendance': diaryAttendance,
};
