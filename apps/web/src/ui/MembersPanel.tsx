import { useState } from 'react';
import { z } from 'zod';
import type { Chat, ChatMember } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { navigate } from '../lib/router.ts';
import { Button, TeacherBadge } from './kit.tsx';
import { ChatNotify } from './ChatNotify.tsx';
import { Avatar } from './Avatar.tsx';
import { whoseParent } from './names.ts';

const Opened = z.object({ chatId: z.uuid() });

/** Who is in the chat; a direct chat can be opened with anyone the school's policy allows. */
export function MembersPanel({ chat, members, myUserId, onClose }: { chat: Chat; members: ChatMember[]; myUserId: string; onClose: () => void }) {
  const { t, error, locale } = useI18n();
  const [err, setErr] = useState<string | null>(null);
  const sorted = [...members].sort((a, b) => Number(b.isStaff) - Number(a.isStaff) || a.name.localeCompare(b.name, 'ru'));

  async function write(personId: string) {
    setErr(null);
    try {
      const r = await api.post(`/api/v1/schools/${chat.schoolId}/directs`, Opened, { personId });
      onClose();
      navigate(`/chats/${r.chatId}`);
    } catch (e) {
      setErr(error(e));
    }
  }

  return (
    <aside className="members" aria-labelledby="members-h">
      <div className="row between">
        <h3 id="members-h">{t('chat.membersTitle')}</h3>
        <Button variant="ghost" onClick={onClose}>{t('common.close')}</Button>
      </div>
      <ChatNotify chatId={chat.id} />
      {err && <p className="error small" role="alert">{err}</p>}
      <ul className="plain">
        {sorted.map((m) => (
          <li key={m.personId} className="row between member" data-person={m.personId}>
            <span className="row gap member-who">
              <Avatar id={m.personId} name={m.name} photo={m.photo ?? null} size={32} />
              <span>
                {m.name} {m.isStaff && <TeacherBadge label={t('role.teacherBadge')} />}
                {whoseParent(m, locale) && <span className="muted whose"> ({whoseParent(m, locale)})</span>}
                {m.phone && (
                  <a className="member-phone small" href={`tel:${m.phone}`} aria-label={t('chat.call', { name: m.name, phone: m.phone })}>
                    {m.phone}
                  </a>
                )}
              </span>
            </span>
            {m.userId && m.userId !== myUserId && chat.kind !== 'direct' && (
              <Button variant="secondary" className="small" onClick={() => void write(m.personId)} aria-label={t('chat.writeTo', { name: m.name })}>
                {t('chat.write')}
              </Button>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
