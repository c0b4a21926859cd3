import { sql } from 'kysely';
import type { MessageAttachment } from '@parta/protocol';
import type { Queryable, Tx } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';

/**
 * The files domain resolves attachment ids when a message is sent: it checks that each file
 * exists, was uploaded by the sender (or is a sticker of the school), and describes it.
 * It throws AppError (e.g. `attachment_invalid`) to refuse. Until a resolver is registered,
 * messages with attachments are refused with `attachments_unavailable`.
 */
export interface AttachmentResolver {
  resolve(trx: Tx, input: { userId: string; schoolId: string; chatId: string; fileIds: string[] }): Promise<MessageAttachment[]>;
  /** Describes a sticker of the pack as an attachment of kind `sticker`; throws `sticker_not_found`. */
  sticker(stickerId: string): MessageAttachment;
}

let resolver: AttachmentResolver | null = null;

export function registerAttachmentResolver(r: AttachmentResolver): void {
  resolver = r;
}

export async function resolveAttachments(
  trx: Tx,
  input: { userId: string; schoolId: string; chatId: string; fileIds: string[] },
): Promise<MessageAttachment[]> {
  if (input.fileIds.length === 0) return [];
  if (!resolver) throw new AppError('attachments_unavailable', 400);
  const resolved = await resolver.resolve(trx, input);
  if (resolved.length !== new Set(input.fileIds).size || resolved.some((a) => !input.fileIds.includes(a.id))) throw new AppError('attachment_invalid', 400);
  return resolved;
}

export function resolveSticker(stickerId: string): MessageAttachment {
  if (!resolver) throw new AppError('attachments_unavailable', 400);
  return resolver.sticker(stickerId);
}

/**
 * Whether the account may read a file: it is attached to a message (not deleted) of a chat the
 * account is a member of now. The files domain calls this before serving a download.
 */
export async function canReadAttachment(db: Queryable, userId: string, fileId: string): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .innerJoin('chat_members', 'chat_members.chat_id', 'messages.chat_id')
    .select('messages.id')
    .where('chat_members.user_id', '=', userId)
    .where('chat_members.left_at', 'is', null)
    .where('messages.deleted_at', 'is', null)
    // has_attachments: the index on attachment_ids holds only messages with files.
    .where('messages.has_attachments', '=', true)
    .where(sql<boolean>`messages.attachment_ids @> ARRAY[${fileId}]::uuid[]`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
