import { Readable } from 'node:stream';
import type { MinutesDocument } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import { AppError } from '../http/errors.ts';
import type { ChatAccess } from '../messaging/access.ts';
import { sendMessage } from '../messaging/send.ts';
import { withOutbox } from '../stream/transaction.ts';
import { uploadFile } from '../files/service.ts';
import { requestAck } from '../acks/service.ts';
import { agendaItems, checkEditor, loadAgenda, presentItem } from './agenda.ts';
import { classFamilies } from './families.ts';
import { isoDate, localDate, minutesDocx, minutesPdf } from './minutes-files.ts';
import type { MeetingRow } from './service.ts';

/**
 * The minutes (протокол родительского собрания) assembled from what Parta holds: the date and
 * class, who was present by family (a family is present when any of its guardians or children
 * attended; someone the host removed is not present), the agenda with what was said and decided,
 * and the meeting's polls counted per family.
 */
export async function assembleMinutes(db: Queryable, meeting: MeetingRow): Promise<MinutesDocument> {
  const chat = await db.selectFrom('chats').select(['class_id']).where('id', '=', meeting.chat_id).executeTakeFirstOrThrow();
  const cls = chat.class_id ? await db.selectFrom('classes').select('name').where('id', '=', chat.class_id).executeTakeFirst() : undefined;
  const { families, familyOf } = await classFamilies(db, chat.class_id);
  const attended = await db
    .selectFrom('meeting_attendance')
    .innerJoin('persons', 'persons.id', 'meeting_attendance.person_id')
    .select(['meeting_attendance.person_id', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .select((eb) => eb.fn.countAll<number>().as('sessions'))
    .where('meeting_attendance.meeting_id', '=', meeting.id)
    .groupBy(['meeting_attendance.person_id', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .execute();
  const removed = new Set(
    (await db.selectFrom('meeting_decisions').select('person_id').where('meeting_id', '=', meeting.id).where('removed', '=', true).execute()).map(
      (r) => r.person_id,
    ),
  );
  const present = attended.filter((a) => !removed.has(a.person_id));
  const presentBy = new Map<string, string[]>();
  const otherPresent: string[] = [];
  for (const p of present) {
    const f = familyOf(p.person_id);
    if (f) presentBy.set(f.key, [...(presentBy.get(f.key) ?? []), fullName(p)]);
    else otherPresent.push(fullName(p));
  }
  const chair = await db
    .selectFrom('persons')
    .select(['last_name', 'first_name', 'middle_name'])
    .where('id', '=', meeting.host_person_id)
    .executeTakeFirstOrThrow();
  const items = await agendaItems(db, meeting.id);
  const polls = await db.selectFrom('polls').selectAll().where('meeting_id', '=', meeting.id).orderBy('created_at').execute();
  const votes = polls.length
    ? await db
        .selectFrom('poll_votes')
        .select(['poll_id', 'person_id', 'options'])
        .where(
          'poll_id',
          'in',
          polls.map((p) => p.id),
        )
        .execute()
    : [];
  return {
    meetingId: meeting.id,
    title: meeting.title,
    date: meeting.starts_at.toISOString(),
    className: cls?.name ?? null,
    chairName: fullName(chair),
    present: families.filter((f) => presentBy.has(f.key)).map((f) => ({ key: f.key, name: f.name, present: presentBy.get(f.key)! })),
    absent: families.filter((f) => !presentBy.has(f.key)).map((f) => ({ key: f.key, name: f.name })),
    otherPresent: otherPresent.sort((a, b) => a.localeCompare(b, 'ru')),
    items: items.map(presentItem),
    polls: polls.map((poll) => {
      const options = poll.options;
      const chosen = new Map<string, Set<number>>();
      for (const v of votes.filter((x) => x.poll_id === poll.id)) {
        const f = familyOf(v.person_id);
        if (!f) continue;
        const set = chosen.get(f.key) ?? new Set<number>();
        for (const o of v.options) set.add(o);
        chosen.set(f.key, set);
      }
      return {
        question: poll.question,
        options,
        tally: options.map((_, i) => [...chosen.values()].filter((s) => s.has(i)).length),
        families: families
          .filter((f) => chosen.has(f.key))
          .map((f) => ({ name: f.name, choices: [...chosen.get(f.key)!].sort((a, b) => a - b).map((i) => options[i] ?? '') })),
        notVoted: families.filter((f) => !chosen.has(f.key)).length,
      };
    }),
  };
}

/** The minutes for the meeting's editor (host, author, administrator). */
export async function minutesFor(ctx: AppContext, meeting: MeetingRow, access: ChatAccess): Promise<MinutesDocument> {
  checkEditor(meeting, access);
  await loadAgenda(ctx, meeting);
  return assembleMinutes(ctx.db, meeting);
}

async function schoolZone(db: Queryable, schoolId: string): Promise<string> {
  return (await db.selectFrom('schools').select('timezone').where('id', '=', schoolId).executeTakeFirstOrThrow()).timezone;
}

export async function minutesFile(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  format: 'pdf' | 'docx',
): Promise<{ name: string; body: Buffer; contentType: string }> {
  const doc = await minutesFor(ctx, meeting, access);
  const timeZone = await schoolZone(ctx.db, access.schoolId);
  return renderMinutes(doc, timeZone, format);
}

export async function renderMinutes(doc: MinutesDocument, timeZone: string, format: 'pdf' | 'docx') {
  const base = `Протокол ${doc.className ?? ''} ${isoDate(doc.date, timeZone)}`.replace(/\s+/g, ' ').trim();
  if (format === 'pdf') return { name: `${base}.pdf`, body: await minutesPdf(doc, timeZone), contentType: 'application/pdf' };
  return {
    name: `${base}.docx`,
    body: await minutesDocx(doc, timeZone),
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  };
}

/**
 * «Опубликовать»: the PDF and the DOCX are uploaded into the meeting's chat as the publisher's
 * files, posted there as one message through the ordinary send path (so notifications, the stream
 * and file access are those of any message), and the message asks every family for «ознакомлен(а)».
 */
export async function publishMinutes(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, userId: string): Promise<{ messageId: string }> {
  checkEditor(meeting, access);
  const already = await ctx.db.selectFrom('meeting_minutes').select('meeting_id').where('meeting_id', '=', meeting.id).executeTakeFirst();
  if (already) throw new AppError('minutes_already_published', 409);
  await loadAgenda(ctx, meeting);
  const doc = await assembleMinutes(ctx.db, meeting);
  if (doc.items.length === 0) throw new AppError('minutes_empty', 400);
  const timeZone = await schoolZone(ctx.db, access.schoolId);
  const files: { id: string }[] = [];
  for (const format of ['pdf', 'docx'] as const) {
    const f = await renderMinutes(doc, timeZone, format);
    files.push(await uploadFile(ctx, access, userId, { filename: f.name, stream: Readable.from([f.body]), truncated: () => false }));
  }
  const text = `Протокол родительского собрания «${doc.title}»${doc.className ? `, ${doc.className}` : ''}, ${localDate(doc.date, timeZone)}. Пожалуйста, ознакомьтесь и нажмите «Ознакомлен(а)».`;
  const { message } = await sendMessage(ctx, access, userId, { clientId: `minutes:${meeting.id}`, text, attachments: files.map((f) => f.id) });
  await requestAck(ctx, access, message.id, true);
  await withOutbox(ctx, async (trx, outbox) => {
    await trx
      .insertInto('meeting_minutes')
      .values({
        meeting_id: meeting.id,
        message_id: message.id,
        pdf_file_id: files[0]!.id,
        docx_file_id: files[1]!.id,
        published_by_person_id: access.person.id,
      })
      .onConflict((oc) => oc.column('meeting_id').doNothing())
      .execute();
    outbox.chat(meeting.chat_id, { type: 'meeting.agenda', chatId: meeting.chat_id, meetingId: meeting.id });
  });
  return { messageId: message.id };
}
