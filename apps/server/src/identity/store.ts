import { sql, type Selectable } from 'kysely';
import type { Queryable } from '../db/schema.ts';
import type { UsersTable } from './tables.ts';
import type { User } from '@parta/protocol';

export type UserRow = Selectable<UsersTable>;

export async function findUserByPhone(db: Queryable, phone: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('phone', '=', phone).executeTakeFirst();
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The account for a phone, created on first sign-in. Safe under concurrent sign-ins. */
export async function upsertUserByPhone(db: Queryable, phone: string): Promise<UserRow> {
  await db
    .insertInto('users')
    .values({ phone })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  const user = await findUserByPhone(db, phone);
  if (!user) throw new Error('user vanished after upsert');
  return user;
}

export async function latestOpenCode(db: Queryable, phone: string) {
  return db
    .selectFrom('auth_codes')
    .selectAll()
    .where('phone', '=', phone)
    .where('consumed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function codeStats(db: Queryable, phone: string, sinceSeconds: number) {
  const row = await db
    .selectFrom('auth_codes')
    .select([(eb) => eb.fn.countAll<number>().as('count'), (eb) => eb.fn.max('created_at').as('last')])
    .where('phone', '=', phone)
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${sinceSeconds})`)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), last: row.last ? new Date(row.last) : null };
}

/** Sign-in codes sent to any phone in the last `sinceSeconds` (the daily SMS budget). */
export async function codesSentSince(db: Queryable, sinceSeconds: number): Promise<number> {
  const row = await db
    .selectFrom('auth_codes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${sinceSeconds})`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Counts one attempt against a code, atomically; undefined when the code has no attempts left. */
export async function spendCodeAttempt(db: Queryable, id: string, maxAttempts: number) {
  return db
    .updateTable('auth_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', maxAttempts)
    .where('consumed_at', 'is', null)
    .returning(['attempts'])
    .executeTakeFirst();
}

export function photoUrl(id: string): string {
  return `/api/v1/photos/${id}/{size}`;
}

export function presentUser(row: UserRow, photoSizes: number[] | null): User {
  return {
    id: row.id,
    phone: row.phone,
    lastName: row.last_name,
    firstName: row.first_name,
    middleName: row.middle_name,
    birthDate: row.birth_date,
    photo: row.photo_id && photoSizes ? { id: row.photo_id, sizes: photoSizes, url: photoUrl(row.photo_id) } : null,
    locale: row.locale,
    isOperator: row.is_operator,
    createdAt: row.created_at.toISOString(),
  };
}

export async function loadPresentedUser(db: Queryable, id: string): Promise<User | undefined> {
  const row = await findUserById(db, id);
  if (!row) return undefined;
  const photo = row.photo_id ? await db.selectFrom('photos').select('sizes').where('id', '=', row.photo_id).executeTakeFirst() : undefined;
  return presentUser(row, photo?.sizes ?? null);
}
