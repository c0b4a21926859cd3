import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Bot } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { t } from '../i18n/messages.ts';
import type { BotsTable } from './tables.ts';

export type BotRow = Selectable<BotsTable>;

/** A token is `<bot id>:<secret>`, as Telegram's; Parta keeps only an HMAC of it. */
export function newToken(num: number): string {
  return `${num}:${crypto.randomBytes(26).toString('base64url')}`;
}

export function hashToken(secret: string, token: string): string {
  return crypto.createHmac('sha256', secret).update(`bot-token:${token}`).digest('hex');
}

/** The bot of a token, or null (unknown, malformed or revoked: the same answer). */
export async function botByToken(db: Queryable, secret: string, token: string): Promise<BotRow | null> {
  if (!/^\d{1,20}:[A-Za-z0-9_-]{20,80}$/.test(token)) return null;
  const row = await db.selectFrom('bots').selectAll().where('token_hash', '=', hashToken(secret, token)).executeTakeFirst();
  if (!row || String(row.num) !== token.slice(0, token.indexOf(':'))) return null;
  return row;
}

/** Writes one line of the school's audit log (the table notifications/ made for it). */
export async function audit(db: Queryable, schoolId: string, actorPersonId: string | null, action: string, details: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('school_audit_log')
    .values({ school_id: schoolId, actor_person_id: actorPersonId, action, details: JSON.stringify(details) })
    .execute();
}

export async function presentBot(db: Queryable, row: BotRow): Promise<Bot> {
  const chats = await db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .select(['chats.id', 'chats.title', 'chats.kind'])
    .where('chat_members.person_id', '=', row.person_id)
    .where('chat_members.left_at', 'is', null)
    .where('chats.kind', '!=', 'direct')
    .orderBy('chats.created_at')
    .execute();
  const user = await db.selectFrom('users').select('photo_id').where('id', '=', row.user_id).executeTakeFirst();
  return {
    id: row.id,
    schoolId: row.school_id,
    botId: Number(row.num),
    username: row.username,
    name: row.name,
    description: row.description,
    commands: (row.commands as Bot['commands']) ?? [],
    privacy: row.privacy,
    kind: row.kind,
    hasToken: row.token_hash !== null,
    tokenIssuedAt: row.token_issued_at?.toISOString() ?? null,
    webhookUrl: row.webhook_url,
    chats: chats.map((c) => ({ chatId: c.id, kind: c.kind, title: t('ru', 'notify_chat', { kind: c.kind, name: c.title ?? '' }) || null })),
    photo: user?.photo_id ? `/api/v1/photos/${user.photo_id}/128` : null,
    createdAt: row.created_at.toISOString(),
  };
}
