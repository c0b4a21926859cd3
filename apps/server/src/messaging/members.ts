import type { Tx } from '../db/schema.ts';
import type { PersonRow } from '../directory/access.ts';
import { isChannel, type ChatRow } from './access.ts';
import { presentChat, presentPerson } from './present.ts';
import type { Outbox } from '../stream/outbox.ts';

export type MemberPerson = Pick<PersonRow, 'id' | 'user_id' | 'last_name' | 'first_name' | 'middle_name' | 'roles'>;
export interface Wanted {
  person: MemberPerson & { user_id: string };
  role: 'member' | 'moderator';
}

/**
 * Makes the chat's current members exactly `wanted`: newcomers join (reading from now on),
 * those no longer wanted leave at once. Each change is one chat event and one user event.
 * With `onlyPersons`, only those people are considered (the rest stay as they are).
 */
export async function syncMembers(trx: Tx, outbox: Outbox, chat: ChatRow, wanted: Wanted[], onlyPersons?: ReadonlySet<string>): Promise<void> {
  const tell = await memberEvents(trx, outbox, chat);
  let q = trx
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .selectAll('chat_members')
    .select('persons.roles')
    .where('chat_members.chat_id', '=', chat.id);
  if (onlyPersons) {
    if (onlyPersons.size === 0) return;
    q = q.where('chat_members.person_id', 'in', [...onlyPersons]);
  }
  const existing = await q.execute();
  const current = new Map(existing.map((m) => [m.person_id, m]));
  const want = new Map(wanted.filter((w) => !onlyPersons || onlyPersons.has(w.person.id)).map((w) => [w.person.id, w]));

  for (const m of existing) {
    if (m.left_at) continue;
    // Bots are added by the admin, not by the roster: they stay unless named (bots/service.ts).
    if (!onlyPersons && (m.roles as readonly string[]).includes('bot')) continue;
    const w = want.get(m.person_id);
    if (w && w.person.user_id === m.user_id) {
      if (w.role !== m.role) {
        await trx.updateTable('chat_members').set({ role: w.role }).where('chat_id', '=', chat.id).where('person_id', '=', m.person_id).execute();
        outbox.user(m.user_id, { type: 'chat.added', chatId: chat.id, chat: presentChat(chat, { role: w.role, last_read_seq: m.last_read_seq }) });
      }
      continue;
    }
    await trx.updateTable('chat_members').set({ left_at: new Date() }).where('chat_id', '=', chat.id).where('person_id', '=', m.person_id).execute();
    tell({ type: 'chat.member_left', chatId: chat.id, personId: m.person_id }, m.role === 'moderator');
    outbox.user(m.user_id, { type: 'chat.removed', chatId: chat.id });
  }

  for (const w of want.values()) {
    const m = current.get(w.person.id);
    if (m && !m.left_at && m.user_id === w.person.user_id) continue;
    const values = { user_id: w.person.user_id, role: w.role, last_read_seq: chat.last_seq, joined_at: new Date(), left_at: null };
    if (m) {
      await trx.updateTable('chat_members').set(values).where('chat_id', '=', chat.id).where('person_id', '=', w.person.id).execute();
    } else {
      await trx
        .insertInto('chat_members')
        .values({ chat_id: chat.id, person_id: w.person.id, ...values })
        .execute();
    }
    tell({ type: 'chat.member_joined', chatId: chat.id, member: presentPerson(w.person) }, w.role === 'moderator');
    outbox.user(w.person.user_id, { type: 'chat.added', chatId: chat.id, chat: presentChat(chat, { role: w.role, last_read_seq: chat.last_seq }) });
  }
}

type MemberEvent = Parameters<Outbox['chat']>[1];

/**
 * Who hears that someone joined or left a chat: every member; but in a channel (school or
 * class news) the readers — parents, students — know only its moderators (the staff), so a
 * reader joining or leaving is told to the moderators alone, as `chatMembers` lists them.
 */
async function memberEvents(trx: Tx, outbox: Outbox, chat: Pick<ChatRow, 'id' | 'kind'>): Promise<(event: MemberEvent, ofModerator: boolean) => void> {
  if (!isChannel(chat.kind)) return (event) => outbox.chat(chat.id, event);
  const moderators = await trx
    .selectFrom('chat_members')
    .select('user_id')
    .where('chat_id', '=', chat.id)
    .where('role', '=', 'moderator')
    .where('left_at', 'is', null)
    .execute();
  return (event, ofModerator) => {
    if (ofModerator) outbox.chat(chat.id, event);
    else for (const m of moderators) outbox.user(m.user_id, event);
  };
}

/** Removes one member (archived person, unlinked account) from every chat they are in. */
export async function leaveAll(trx: Tx, outbox: Outbox, personId: string, keepUserId: string | null, kinds?: readonly ChatRow['kind'][]): Promise<void> {
  let q = trx
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .select(['chat_members.chat_id', 'chat_members.user_id', 'chat_members.role', 'chats.kind'])
    .where('chat_members.person_id', '=', personId)
    .where('chat_members.left_at', 'is', null);
  if (keepUserId) q = q.where('chat_members.user_id', '!=', keepUserId);
  if (kinds) q = q.where('chats.kind', 'in', [...kinds]);
  const rows = await q.execute();
  for (const r of rows) {
    await trx.updateTable('chat_members').set({ left_at: new Date() }).where('chat_id', '=', r.chat_id).where('person_id', '=', personId).execute();
    const tell = await memberEvents(trx, outbox, { id: r.chat_id, kind: r.kind });
    tell({ type: 'chat.member_left', chatId: r.chat_id, personId }, r.role === 'moderator');
    outbox.user(r.user_id, { type: 'chat.removed', chatId: r.chat_id });
  }
}
