import { sql } from 'kysely';
import type { ChatPerson, SchoolRole } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { presentPerson } from './present.ts';

/**
 * The roster is the audience: a chat provisioned from the roster is *for* every roster person of
 * its kind (a class's students and teachers, its guardians, the school's staff…), whether or not
 * they are on Parta yet. Member counts and read receipts count them all; those without an account
 * are "not connected". Group and direct chats are for their members only.
 */
export interface AudiencePerson {
  id: string;
  user_id: string | null;
  last_name: string;
  first_name: string;
  middle_name: string | null;
  roles: SchoolRole[];
  phone: string | null;
  birth_date: string | null;
}

/** The roster people each chat is for, as one statement over any number of chats. */
function audienceSql(chatIds: string[]) {
  return sql`
    WITH c AS (SELECT id, kind, school_id, class_id FROM chats WHERE id = ANY(${chatIds}::uuid[])),
    a AS (
      SELECT c.id AS chat_id, e.student_id AS person_id FROM c
        JOIN enrolments e ON e.class_id = c.class_id AND e.left_at IS NULL
        WHERE c.kind IN ('class', 'class_channel')
      UNION
      SELECT c.id, g.guardian_id FROM c
        JOIN enrolments e ON e.class_id = c.class_id AND e.left_at IS NULL
        JOIN guardianships g ON g.student_id = e.student_id
        WHERE c.kind IN ('parents', 'parents_only', 'class_channel')
      UNION
      SELECT c.id, t.person_id FROM c
        JOIN class_teachers t ON t.class_id = c.class_id
        WHERE c.kind IN ('class', 'class_channel') OR (c.kind = 'parents' AND t.is_class_teacher)
      UNION
      SELECT c.id, p.id FROM c
        JOIN persons p ON p.school_id = c.school_id
        WHERE c.kind = 'school_channel' OR (c.kind = 'staff' AND ('teacher' = ANY(p.roles) OR 'admin' = ANY(p.roles)))
      UNION
      SELECT c.id, m.person_id FROM c
        JOIN chat_members m ON m.chat_id = c.id AND m.left_at IS NULL
    )`;
}

/** Per chat: everyone it is for, and how many of them are not on Parta yet. */
export async function audienceCounts(db: Queryable, chatIds: string[]): Promise<Map<string, { total: number; notConnected: number }>> {
  const out = new Map<string, { total: number; notConnected: number }>();
  if (chatIds.length === 0) return out;
  const rows = await sql<{ chat_id: string; total: number | string; not_connected: number | string }>`
    ${audienceSql(chatIds)}
    SELECT a.chat_id::text AS chat_id, count(*) AS total, count(*) FILTER (WHERE p.user_id IS NULL) AS not_connected
    FROM a JOIN persons p ON p.id = a.person_id AND p.archived_at IS NULL
    GROUP BY a.chat_id`.execute(db);
  for (const r of rows.rows) out.set(r.chat_id, { total: Number(r.total), notConnected: Number(r.not_connected) });
  return out;
}

/** The roster people a chat is for who have no account yet: «не подключены». */
export async function notConnected(db: Queryable, chatId: string): Promise<AudiencePerson[]> {
  const rows = await sql<AudiencePerson>`
    ${audienceSql([chatId])}
    SELECT p.id::text AS id, p.user_id::text AS user_id, p.last_name, p.first_name, p.middle_name, p.roles::text[] AS roles, p.phone, p.birth_date::text AS birth_date
    FROM a JOIN persons p ON p.id = a.person_id AND p.archived_at IS NULL AND p.user_id IS NULL
    ORDER BY p.last_name, p.first_name, p.id`.execute(db);
  return rows.rows;
}

/** The not-connected as the members screen and the receipts show them; guardians with their children ("мама Егора"). */
export async function presentNotConnected(
  db: Queryable,
  people: AudiencePerson[],
): Promise<(ChatPerson & { children?: { personId: string; name: string; relation: string | null }[] })[]> {
  const guardianIds = people.filter((p) => p.roles.includes('guardian')).map((p) => p.id);
  const kids = guardianIds.length
    ? await db
        .selectFrom('guardianships')
        .innerJoin('persons as s', 's.id', 'guardianships.student_id')
        .select(['guardianships.guardian_id', 'guardianships.relation', 's.id', 's.last_name', 's.first_name', 's.middle_name', 's.roles', 's.user_id'])
        .where('guardianships.guardian_id', 'in', guardianIds)
        .where('s.archived_at', 'is', null)
        .orderBy('s.first_name')
        .execute()
    : [];
  return people.map((p) => {
    const children = kids.filter((k) => k.guardian_id === p.id).map((k) => ({ personId: k.id, name: presentPerson(k).name, relation: k.relation }));
    return { ...presentPerson(p), ...(children.length ? { children } : {}) };
  });
}
