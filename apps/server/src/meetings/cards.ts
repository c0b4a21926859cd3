import type { MessageAttachment } from '@parta/protocol';
import type { Tx } from '../db/schema.ts';
import type { ChatAccess } from '../messaging/access.ts';
import { MESSAGE_COLUMNS, presentMessage } from '../messaging/present.ts';
import { decideNotifications } from '../messaging/quiet.ts';
import type { Outbox } from '../stream/outbox.ts';

/**
 * Posts a card (a meeting, a reminder of one, a poll) into a chat as an ordinary message whose
 * attachment is of kind `meeting` or `poll`: it takes the chat's next seq, gets the same
 * notification decision as any message (working hours respected) and goes out on the update stream.
 */
export async function postCard(
  trx: Tx,
  outbox: Outbox,
  author: Pick<ChatAccess, 'chat' | 'person' | 'roles' | 'isStaff'> & { userId: string },
  card: { kind: 'meeting' | 'poll'; id: string; title: string; variant: string; clientId: string; text?: string },
): Promise<string> {
  const chat = await trx
    .updateTable('chats')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', author.chat.id)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const attachment: MessageAttachment = {
    id: card.id,
    kind: card.kind,
    name: card.title,
    contentType: `application/vnd.parta.${card.kind}+${card.variant}`,
    size: 0,
  };
  const inserted = await trx
    .insertInto('messages')
    .values({
      chat_id: author.chat.id,
      seq: Number(chat.last_seq),
      author_user_id: author.userId,
      author_person_id: author.person.id,
      author_roles: author.roles,
      author_staff: author.isStaff,
      client_id: card.clientId,
      text: card.text ?? '',
      entities: '[]',
      reply_to_id: null,
      forward_from: null,
      attachments: JSON.stringify([attachment]),
      attachment_ids: [],
    })
    .returning(MESSAGE_COLUMNS)
    .executeTakeFirstOrThrow();
  await decideNotifications(trx, { id: inserted.id, chat_id: author.chat.id, author_user_id: author.userId }, inserted.created_at);
  outbox.chat(author.chat.id, { type: 'message.new', chatId: author.chat.id, message: await presentMessage(trx, inserted, author.chat) });
  return inserted.id;
}
