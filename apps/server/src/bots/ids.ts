import type { Queryable } from '../db/schema.ts';

/**
 * Stable integers for the Bot API. Accounts and chats get a number from one sequence the first
 * time a bot sees them (so the two never collide) and keep it for good. As in Telegram, a user
 * and the private chat with them share the user's id; other chats are negative (`-num`);
 * a message's id is its `seq` in its chat, which is stable and gap-free per chat.
 */
export async function numberOf(db: Queryable, ref: string, kind: 'user' | 'chat'): Promise<number> {
  const found = await db.selectFrom('bot_numbers').select('num').where('ref', '=', ref).executeTakeFirst();
  if (found) return Number(found.num);
  await db
    .insertInto('bot_numbers')
    .values({ ref, kind })
    .onConflict((oc) => oc.column('ref').doNothing())
    .execute();
  const row = await db.selectFrom('bot_numbers').select('num').where('ref', '=', ref).executeTakeFirstOrThrow();
  return Number(row.num);
}

/** Numbers of many refs at once (one query when they all exist). */
export async function numbersOf(db: Queryable, refs: { ref: string; kind: 'user' | 'chat' }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Map(refs.map((r) => [r.ref, r])).values()];
  if (unique.length === 0) return out;
  const rows = await db
    .selectFrom('bot_numbers')
    .select(['ref', 'num'])
    .where(
      'ref',
      'in',
      unique.map((r) => r.ref),
    )
    .execute();
  for (const r of rows) out.set(r.ref, Number(r.num));
  for (const r of unique) if (!out.has(r.ref)) out.set(r.ref, await numberOf(db, r.ref, r.kind));
  return out;
}

export async function refOf(db: Queryable, num: number, kind: 'user' | 'chat'): Promise<string | null> {
  if (!Number.isSafeInteger(num) || num <= 0) return null;
  const row = await db.selectFrom('bot_numbers').select('ref').where('num', '=', num).where('kind', '=', kind).executeTakeFirst();
  return row?.ref ?? null;
}
