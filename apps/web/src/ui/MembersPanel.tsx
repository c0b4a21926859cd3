import { useState } from 'react';
import { z } from 'zod';
import { InviteResult, type Chat, type ChatMember, type NotConnectedPerson } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { navigate } from '../lib/router.ts';
import { Button, TeacherBadge } from './kit.tsx';
import { ChatNotify } from './ChatNotify.tsx';
import { Avatar } from './Avatar.tsx';
import { whoseParent } from './names.ts';

const Opened = z.object({ chatId: z.uuid() });

/** Who is in the chat; a direct chat can be opened with anyone the school's policy allows. */
export function MembersPanel({
  chat,
  members,
  notConnected = [],
  myUserId,
  onClose,
}: {
  chat: Chat;
  members: ChatMember[];
  notConnected?: NotConnectedPerson[];
  myUserId: string;
  onClose: () => void;
}) {
  const { t, error, locale } = useI18n();
  const [err, setErr] = useState<string | null>(null);
  const [invited, setInvited] = useState<InviteResult | null>(null);
  const [inviting, setInviting] = useState(false);
  const iAmStaff = members.some((m) => m.userId === myUserId && m.isStaff);

  /** One action: every roster person of the chat not on Parta gets an invitation by SMS (the server checks who may, and the daily cap). */
  async function inviteAll() {
    setErr(null);
    setInviting(true);
    try {
      setInvited(await api.post(`/api/v1/chats/${chat.id}/invite-not-connected`, InviteResult));
    } catch (e) {
      setErr(error(e));
    } finally {
      setInviting(false);
    }
  }
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
        <Button variant="ghost" onClick={onClose}>
          {t('common.close')}
        </Button>
      </div>
      <ChatNotify chatId={chat.id} />
      {err && (
        <p className="error small" role="alert">
          {err}
        </p>
      )}
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
      {notConnected.length > 0 && (
        <section className="not-connected" aria-labelledby="not-connected-h" data-not-connected={notConnected.length}>
          <h4 id="not-connected-h">{t('audience.notConnected', { n: notConnected.length })}</h4>
          <p className="muted small">{t('audience.explain')}</p>
          {iAmStaff && (
            <Button variant="secondary" className="small" data-invite-all disabled={inviting} onClick={() => void inviteAll()}>
              {t('audience.inviteAll')}
            </Button>
          )}
          {invited && (
            <p className="ok small" role="status" data-invited={invited.invited}>
              {t('audience.invited', { n: invited.invited })}
              {invited.alreadyInvited > 0 && ` ${t('audience.alreadyInvited', { n: invited.alreadyInvited })}`}
              {invited.withoutPhone > 0 && ` ${t('audience.withoutPhone', { n: invited.withoutPhone })}`}
              {invited.overLimit > 0 && ` ${t('audience.overLimit', { n: invited.overLimit })}`}
            </p>
          )}
          <ul className="plain">
            {notConnected.map((p) => (
              <li key={p.personId} className="member muted" data-person={p.personId}>
                {p.name}
                {whoseParent(p, locale) && <span className="whose"> ({whoseParent(p, locale)})</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}
