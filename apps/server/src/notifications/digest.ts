import { sql } from 'kysely';
import type { Locale, SchoolRole } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { t } from '../i18n/messages.ts';
import { unsubscribeUrl } from './email.ts';
import type { Mailer } from './mail.ts';

/**
 * E-mail digests for guardians who set (and verified) an address and have not opened Parta for
 * `afterHours`: their unread important messages (teachers' messages, channel posts) since then, at
 * most one digest per `afterHours`. Chats of the kinds the school keeps private are only counted
 * ("3 новых сообщения в …"), never quoted.
 *
 * Two steps, both run by the notification worker, never in a request:
 * - `planDigests`: one `email_digests` row per account due (a window: since → up_to), written
 *   under a lock, so two processes plan each window once;
 * - `sendDigests`: claims due rows (a lease), writes the mail from what is still unread in that
 *   window, sends it, records it. A process that dies mid-way leaves its claim to the next after
 *   the lease (at-least-once: a mail that left just before the crash may go twice, with the same
 *   Message-ID); retries back off.
 */
const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 8;
const MAX_QUOTED = 20;
const MAX_TEXT = 300;

export async function planDigests(ctx: AppContext, now: Date, afterHours: number): Promise<number> {
  const cutoff = new Date(now.getTime() - afterHours * 3_600_000);
  return ctx.db.transaction().execute(async (trx) => {
    await sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('email-digests'))) l`.execute(trx);
    const rows = await sql<{ user_id: string; email: string; since: Date; messages: number | string }>`
      WITH who AS (
        SELECT e.user_id, e.email,
          GREATEST(
            COALESCE((SELECT max(s.last_seen_at) FROM sessions s WHERE s.user_id = e.user_id), e.verified_at),
            COALESCE((SELECT max(d.up_to) FROM email_digests d WHERE d.user_id = e.user_id), e.verified_at),
            e.verified_at) AS since
        FROM user_emails e
        WHERE e.verified_at IS NOT NULL AND e.digest
          AND EXISTS (SELECT 1 FROM persons p WHERE p.user_id = e.user_id AND p.archived_at IS NULL AND 'guardian' = ANY(p.roles))
      )
      SELECT w.user_id::text AS user_id, w.email, w.since, count(x.id) AS messages
      FROM who w
      JOIN chat_members m ON m.user_id = w.user_id AND m.left_at IS NULL
      JOIN chats c ON c.id = m.chat_id
      JOIN messages x ON x.chat_id = m.chat_id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
        AND x.author_user_id IS DISTINCT FROM w.user_id
        AND (x.author_staff OR c.kind IN ('school_channel', 'class_channel'))
        AND x.created_at > w.since AND x.created_at <= ${now.toISOString()}::timestamptz
      WHERE w.since <= ${cutoff.toISOString()}::timestamptz
      GROUP BY w.user_id, w.email, w.since`.execute(trx);
    if (rows.rows.length === 0) return 0;
    const r = await trx
      .insertInto('email_digests')
      .values(rows.rows.map((x) => ({ user_id: x.user_id, email: x.email, since: x.since, up_to: now, messages: Number(x.messages), next_try_at: now })))
      .onConflict((oc) => oc.columns(['user_id', 'up_to']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0);
  });
}

interface Claimed {
  id: string;
  user_id: string;
  email: string;
  since: Date;
  up_to: Date;
  attempts: number;
}

export async function claimDigests(ctx: AppContext, now: Date, limit: number): Promise<Claimed[]> {
  const r = await sql<Claimed>`
    UPDATE email_digests d SET attempts = d.attempts + 1, next_try_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz
    WHERE d.id IN (SELECT id FROM email_digests WHERE state = 'pending' AND next_try_at <= ${now.toISOString()}::timestamptz
                   ORDER BY next_try_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING d.id::text AS id, d.user_id::text AS user_id, d.email, d.since, d.up_to, d.attempts`.execute(ctx.db);
  return r.rows;
}

const ROLE_ORDER: SchoolRole[] = ['teacher', 'admin', 'guardian', 'student'];

/** The mail of one digest, from what is still unread in its window; null when everything has been read meanwhile. */
export async function composeDigest(ctx: AppContext, d: Pick<Claimed, 'user_id' | 'since' | 'up_to'>): Promise<{ subject: string; text: string } | null> {
  const user = await ctx.db.selectFrom('users').select('locale').where('id', '=', d.user_id).executeTakeFirstOrThrow();
  const locale: Locale = user.locale === 'en' ? 'en' : 'ru';
  const rows = await sql<{
    chat_id: string;
    kind: string;
    title: string | null;
    class_name: string | null;
    private_kinds: string[] | null;
    text: string;
    has_attachments: boolean;
    author_roles: string[];
    first_name: string;
    middle_name: string | null;
    last_name: string;
    created_at: Date;
  }>`
    SELECT c.id::text AS chat_id, c.kind, c.title, k.name AS class_name, np.private_kinds::text[] AS private_kinds,
      x.text, x.has_attachments, x.author_roles::text[] AS author_roles, p.first_name, p.middle_name, p.last_name, x.created_at
    FROM chat_members m
    JOIN chats c ON c.id = m.chat_id
    LEFT JOIN classes k ON k.id = c.class_id
    LEFT JOIN notification_policies np ON np.school_id = c.school_id
    JOIN messages x ON x.chat_id = m.chat_id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL
      AND x.author_user_id IS DISTINCT FROM m.user_id
      AND (x.author_staff OR c.kind IN ('school_channel', 'class_channel'))
      AND x.created_at > ${new Date(d.since).toISOString()}::timestamptz AND x.created_at <= ${new Date(d.up_to).toISOString()}::timestamptz
    JOIN persons p ON p.id = x.author_person_id
    WHERE m.user_id = ${d.user_id}::uuid AND m.left_at IS NULL
    ORDER BY x.created_at`.execute(ctx.db);
  if (rows.rows.length === 0) return null;
  const chats = new Map<string, typeof rows.rows>();
  for (const r of rows.rows) chats.set(r.chat_id, [...(chats.get(r.chat_id) ?? []), r]);
  const base = ctx.config.publicUrl.replace(/\/$/, '');
  const parts: string[] = [t(locale, 'digest_intro'), ''];
  let quoted = 0;
  for (const [chatId, list] of chats) {
    const first = list[0]!;
    const author = (r: (typeof list)[number]) => {
      const name = [r.first_name, r.middle_name].filter(Boolean).join(' ') || r.last_name;
      const role = ROLE_ORDER.find((x) => r.author_roles.includes(x));
      return role ? `${name} (${t(locale, 'role', { role })})` : name;
    };
    const name =
      first.kind === 'direct'
        ? author(first)
        : first.kind === 'group'
          ? (first.title ?? '')
          : t(locale, 'notify_chat', { kind: first.kind, name: first.class_name ?? first.title ?? '' });
    const privateKinds = first.private_kinds ?? ['direct'];
    if (privateKinds.includes(first.kind)) {
      parts.push(t(locale, 'digest_private', { count: list.length, chat: name }));
    } else {
      parts.push(`${name}:`);
      for (const r of list) {
        if (quoted >= MAX_QUOTED) break;
        quoted++;
        let text = r.text.trim().replace(/\s+/g, ' ') || t(locale, 'notify_attachment');
        if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT - 1)}…`;
        parts.push(`— ${author(r)}: ${text}`);
      }
      if (list.length > 0 && quoted >= MAX_QUOTED) parts.push(t(locale, 'digest_more'));
    }
    parts.push(`${base}/chats/${chatId}`, '');
  }
  parts.push('—', t(locale, 'digest_footer', { url: unsubscribeUrl(ctx, d.user_id) }));
  return { subject: t(locale, 'digest_subject', { count: rows.rows.length }), text: parts.join('\n') };
}

/** Sends what is due; returns how many mails left. */
export async function sendDigests(ctx: AppContext, mailer: Mailer, now: Date, limit = 50): Promise<number> {
  let sent = 0;
  for (const d of await claimDigests(ctx, now, limit)) {
    try {
      const mail = await composeDigest(ctx, d);
      if (mail) {
        await mailer.send({
          to: d.email,
          subject: mail.subject,
          text: mail.text,
          messageId: `<digest-${d.id}@parta>`,
          unsubscribeUrl: unsubscribeUrl(ctx, d.user_id),
        });
        sent++;
      }
      await ctx.db.updateTable('email_digests').set({ state: 'sent', sent_at: now, last_error: null }).where('id', '=', d.id).execute();
    } catch (err) {
      // Back off: 1, 2, 4 … minutes, at most 6 hours; given up after MAX_ATTEMPTS.
      const wait = Math.min(6 * 3_600_000, 60_000 * 2 ** (d.attempts - 1));
      await ctx.db
        .updateTable('email_digests')
        .set({
          state: d.attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
          next_try_at: new Date(now.getTime() + wait),
          last_error: String((err as Error).message ?? err).slice(0, 500),
        })
        .where('id', '=', d.id)
        .execute();
      ctx.log.warn({ err, digest: d.id }, 'an e-mail digest was not sent; will retry');
    }
  }
  return sent;
}
