import type { Selectable } from 'kysely';
import type { Agenda, AgendaItem, PutAgendaBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { ChatAccess } from '../messaging/access.ts';
import type { Outbox } from '../stream/outbox.ts';
import { withOutbox } from '../stream/transaction.ts';
import { fileUrl } from '../files/service.ts';
import type { MeetingAgendaItemsTable } from './minutes-tables.ts';
import type { MeetingRow } from './service.ts';

type ItemRow = Selectable<MeetingAgendaItemsTable>;

/**
 * A meeting's agenda: questions in order, each with a speaker and its minutes, and what was said
 * and decided about it. Edited by the meeting's host, its author or an administrator; seen by every
 * member of the meeting's chat (the card and the call show it).
 */

/** Who edits the agenda and the record: the host, the one who scheduled it, or an administrator. */
export function mayEditAgenda(meeting: Pick<MeetingRow, 'host_person_id' | 'created_by_person_id'>, access: Pick<ChatAccess, 'person' | 'roles'>): boolean {
  return meeting.host_person_id === access.person.id || meeting.created_by_person_id === access.person.id || access.roles.includes('admin');
}

export function checkEditor(meeting: MeetingRow, access: ChatAccess): void {
  if (!mayEditAgenda(meeting, access)) throw new AppError('meeting_host_only', 403);
}

export const presentItem = (r: ItemRow): AgendaItem => ({
  id: r.id,
  position: r.position,
  title: r.title,
  speaker: r.speaker,
  minutes: r.minutes,
  said: r.said,
  decision: r.decision,
});

export async function agendaItems(db: Queryable, meetingId: string): Promise<ItemRow[]> {
  return db.selectFrom('meeting_agenda_items').selectAll().where('meeting_id', '=', meetingId).orderBy('position').execute();
}

/**
 * The items; a meeting scheduled with plain titles (`meetings.agenda`) gets them as items the
 * first time its agenda is read, under the meeting row's lock so that two readers add them once.
 */
export async function loadAgenda(ctx: AppContext, meeting: MeetingRow): Promise<ItemRow[]> {
  const rows = await agendaItems(ctx.db, meeting.id);
  if (rows.length > 0 || meeting.agenda.length === 0) return rows;
  return ctx.db.transaction().execute(async (trx) => {
    await trx.selectFrom('meetings').select('id').where('id', '=', meeting.id).forUpdate().executeTakeFirst();
    const again = await agendaItems(trx, meeting.id);
    if (again.length > 0) return again;
    // An agenda emptied on purpose leaves the titles empty too, so it is not brought back here.
    await trx
      .insertInto('meeting_agenda_items')
      .values(meeting.agenda.map((title, position) => ({ meeting_id: meeting.id, position, title })))
      .execute();
    return agendaItems(trx, meeting.id);
  });
}

export async function presentAgenda(ctx: AppContext, meeting: MeetingRow, access: ChatAccess): Promise<Agenda> {
  const items = await loadAgenda(ctx, meeting);
  const published = await ctx.db.selectFrom('meeting_minutes').selectAll().where('meeting_id', '=', meeting.id).executeTakeFirst();
  return {
    meetingId: meeting.id,
    items: items.map(presentItem),
    canEdit: mayEditAgenda(meeting, access),
    minutes: published
      ? {
          messageId: published.message_id,
          publishedAt: published.published_at.toISOString(),
          pdfUrl: published.pdf_file_id ? fileUrl(published.pdf_file_id) : null,
          docxUrl: published.docx_file_id ? fileUrl(published.docx_file_id) : null,
        }
      : null,
  };
}

const agendaChanged = (outbox: Outbox, meeting: MeetingRow) =>
  outbox.chat(meeting.chat_id, { type: 'meeting.agenda', chatId: meeting.chat_id, meetingId: meeting.id });

/**
 * Replaces the agenda with the given items in their order. Items named by id keep what was
 * recorded for them; items left out are dropped; `meetings.agenda` follows the titles, so the
 * meeting card reads the same list.
 */
export async function putAgenda(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, body: PutAgendaBody): Promise<void> {
  checkEditor(meeting, access);
  await loadAgenda(ctx, meeting);
  await withOutbox(ctx, async (trx, outbox) => {
    await trx.selectFrom('meetings').select('id').where('id', '=', meeting.id).forUpdate().executeTakeFirst();
    const existing = new Set((await agendaItems(trx, meeting.id)).map((r) => r.id));
    for (const item of body.items) if (item.id && !existing.has(item.id)) throw new AppError('agenda_item_not_found', 404);
    const kept = body.items.filter((i) => i.id).map((i) => i.id!);
    let drop = trx.deleteFrom('meeting_agenda_items').where('meeting_id', '=', meeting.id);
    if (kept.length) drop = drop.where('id', 'not in', kept);
    await drop.execute();
    for (const [position, item] of body.items.entries()) {
      const values = { title: item.title, speaker: item.speaker, minutes: item.minutes, position, updated_at: new Date() };
      if (item.id) await trx.updateTable('meeting_agenda_items').set(values).where('id', '=', item.id).execute();
      else
        await trx
          .insertInto('meeting_agenda_items')
          .values({ ...values, meeting_id: meeting.id })
          .execute();
    }
    await trx
      .updateTable('meetings')
      .set({ agenda: JSON.stringify(body.items.map((i) => i.title)) })
      .where('id', '=', meeting.id)
      .execute();
    agendaChanged(outbox, meeting);
  });
}

/** Records what was said and decided about one question, during the meeting or after it. */
export async function recordItem(
  ctx: AppContext,
  meeting: MeetingRow,
  access: ChatAccess,
  itemId: string,
  patch: { said?: string; decision?: string },
): Promise<ItemRow> {
  checkEditor(meeting, access);
  if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw new AppError('agenda_item_not_found', 404);
  return withOutbox(ctx, async (trx: Tx, outbox) => {
    const row = await trx
      .updateTable('meeting_agenda_items')
      .set({
        ...(patch.said !== undefined ? { said: patch.said } : {}),
        ...(patch.decision !== undefined ? { decision: patch.decision } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', itemId)
      .where('meeting_id', '=', meeting.id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('agenda_item_not_found', 404);
    agendaChanged(outbox, meeting);
    return row;
  });
}
