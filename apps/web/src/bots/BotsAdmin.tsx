import { useCallback, useEffect, useState } from 'react';
import { z } from 'zod';
import { Bot, BotList, BotToken, BotWithToken, FaqEntry, FaqList, HelperRequestList, ResolveRequestResult, type HelperRequest } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { useAction } from '../ui/useAction.ts';

const SchoolChats = z.object({ chats: z.array(z.object({ chatId: z.string(), kind: z.string(), title: z.string().nullable() })) });
type B = z.infer<typeof Bot>;
type F = z.infer<typeof FaqEntry>;

/** The school's bots: create (the token is shown once), new token, revoke, chats, privacy mode. */
export function BotsPanel({ sid }: { sid: string }) {
  const { t } = useI18n();
  const [bots, setBots] = useState<B[]>([]);
  const [chats, setChats] = useState<z.infer<typeof SchoolChats>['chats']>([]);
  const [form, setForm] = useState({ name: '', username: '', description: '' });
  const [shown, setShown] = useState<{ botId: string; token: string } | null>(null);
  const { err, busy, run } = useAction();
  const reload = useCallback(() => {
    void run(async () => {
      setBots((await api.get(`/api/v1/schools/${sid}/bots`, BotList)).bots);
      setChats((await api.get(`/api/v1/schools/${sid}/bot-chats`, SchoolChats)).chats);
    });
  }, [sid, run]);
  useEffect(reload, [reload]);

  const update = (b: B) => setBots((all) => all.map((x) => (x.id === b.id ? b : x)));

  return (
    <div className="stack">
      <h2>{t('bots.title')}</h2>
      <p className="muted small">{t('bots.intro')}</p>
      <ErrorNote>{err}</ErrorNote>
      {shown && (
        <div className="bot-token" role="status">
          <p>{t('bots.tokenOnce')}</p>
          <code className="bot-token-value" data-testid="bot-token">
            {shown.token}
          </code>
          <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(shown.token)}>
            {t('bots.copy')}
          </Button>
          <Button variant="ghost" onClick={() => setShown(null)}>
            {t('bots.hideToken')}
          </Button>
        </div>
      )}
      <form
        className="stack"
        aria-label={t('bots.create')}
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await api.post(`/api/v1/schools/${sid}/bots`, BotWithToken, { ...form, commands: [] });
            setShown({ botId: r.bot.id, token: r.token });
            setBots((all) => [...all, r.bot]);
            setForm({ name: '', username: '', description: '' });
          });
        }}
      >
        <h3>{t('bots.create')}</h3>
        <Field label={t('bots.name')} value={form.name} required maxLength={64} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <Field
          label={t('bots.username')}
          hint={t('bots.usernameHint')}
          value={form.username}
          required
          pattern="[A-Za-z][A-Za-z0-9_]{3,27}"
          onChange={(e) => setForm({ ...form, username: e.target.value })}
        />
        <Field label={t('bots.description')} value={form.description} maxLength={512} onChange={(e) => setForm({ ...form, description: e.target.value })} />
        <Button type="submit" busy={busy}>
          {t('bots.createButton')}
        </Button>
      </form>
      <ul className="plain-list">
        {bots.map((b) => (
          <li key={b.id} className="card stack" data-bot={b.username}>
            <div>
              <strong>{b.name}</strong> <span className="muted">@{b.username}</span>{' '}
              {b.kind === 'helper' && <span className="small muted">· {t('bots.helperKind')}</span>}
            </div>
            {b.description && <p className="small">{b.description}</p>}
            {b.commands.length > 0 && <p className="small muted">{b.commands.map((c) => `/${c.command} — ${c.description}`).join('; ')}</p>}
            <label className="field">
              <span>{t('bots.photo')}</span>
              <input
                type="file"
                accept="image/*"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (!file) return;
                  const form = new FormData();
                  form.set('file', file);
                  void run(async () => update(await api.upload('POST', `/api/v1/schools/${sid}/bots/${b.id}/photo`, Bot, form)));
                }}
              />
            </label>
            <p className="small muted">
              {b.hasToken ? t('bots.tokenIssued', { date: new Date(b.tokenIssuedAt!).toLocaleString() }) : t('bots.noToken')}
              {b.webhookUrl ? ` · ${t('bots.webhook')}` : ''}
            </p>
            <label className="check">
              <input
                type="checkbox"
                checked={b.privacy}
                onChange={(e) => void run(async () => update(await api.patch(`/api/v1/schools/${sid}/bots/${b.id}`, Bot, { privacy: e.target.checked })))}
              />{' '}
              {t('bots.privacy')}
            </label>
            <p className="hint">{t('bots.privacyHint')}</p>
            {b.kind === 'custom' && (
              <>
                <fieldset className="bot-chats">
                  <legend>{t('bots.chats')}</legend>
                  {chats.map((c) => {
                    const on = b.chats.some((x) => x.chatId === c.chatId);
                    return (
                      <label key={c.chatId} className="check">
                        <input
                          type="checkbox"
                          checked={on}
                          onChange={() =>
                            void run(async () => {
                              const ids = on ? b.chats.filter((x) => x.chatId !== c.chatId).map((x) => x.chatId) : [...b.chats.map((x) => x.chatId), c.chatId];
                              update(await api.put(`/api/v1/schools/${sid}/bots/${b.id}/chats`, Bot, { chatIds: ids }));
                            })
                          }
                        />{' '}
                        {c.title ?? c.kind}
                      </label>
                    );
                  })}
                </fieldset>
                <div className="row">
                  <Button
                    variant="secondary"
                    busy={busy}
                    onClick={() =>
                      void run(async () => {
                        const r = await api.post(`/api/v1/schools/${sid}/bots/${b.id}/token`, BotToken);
                        setShown({ botId: b.id, token: r.token });
                        reload();
                      })
                    }
                  >
                    {t('bots.newToken')}
                  </Button>
                  {b.hasToken && (
                    <Button
                      variant="danger"
                      busy={busy}
                      onClick={() =>
                        void run(async () => {
                          if (!window.confirm(t('bots.revokeConfirm'))) return;
                          await api.delete(`/api/v1/schools/${sid}/bots/${b.id}/token`);
                          reload();
                        })
                      }
                    >
                      {t('bots.revoke')}
                    </Button>
                  )}
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

const KIND_KEYS = { child_on_my_phone: 'helper.kind.child', phone_changed: 'helper.kind.phone', question: 'helper.kind.question' } as const;

function RequestCard({ sid, r, onDone }: { sid: string; r: HelperRequest; onDone: () => void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState(r.newPhone ?? '');
  const [guardian, setGuardian] = useState(r.guardians.find((g) => !g.linked)?.id ?? r.guardians[0]?.id ?? '');
  const [answer, setAnswer] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { err, busy, run } = useAction();
  const resolve = (body: unknown) =>
    run(async () => {
      const res = await api.post(`/api/v1/schools/${sid}/helper/requests/${r.id}/resolve`, ResolveRequestResult, body);
      setDone(res.invitation ? t('helper.invited', { code: res.invitation.code }) : t('helper.done'));
      onDone();
    });
  return (
    <li className="card stack" data-request={r.id}>
      <div>
        <strong>{t(KIND_KEYS[r.kind])}</strong> <span className="muted small">{new Date(r.createdAt).toLocaleString()}</span>
      </div>
      <p className="small">
        {t('helper.from', { name: r.accountName || '—', phone: r.accountPhone })}
        {r.person ? ` · ${t('helper.linkedTo', { name: r.person.name })}` : ''}
      </p>
      {r.text && <p className="helper-text">{r.text}</p>}
      {done ? (
        <p role="status">{done}</p>
      ) : r.status !== 'open' ? (
        <p className="muted small">{r.answer}</p>
      ) : r.kind === 'question' ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void resolve({ action: 'answer', answer });
          }}
        >
          <label className="field">
            <span>{t('helper.answer')}</span>
            <textarea value={answer} required maxLength={4000} onChange={(e) => setAnswer(e.target.value)} />
          </label>
          <Button type="submit" busy={busy}>
            {t('helper.send')}
          </Button>
        </form>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void resolve({ action: 'move_phone', newPhone: phone, ...(r.kind === 'child_on_my_phone' && guardian ? { guardianPersonId: guardian } : {}) });
          }}
        >
          <p className="hint">{t(r.kind === 'child_on_my_phone' ? 'helper.childHint' : 'helper.phoneHint')}</p>
          <Field
            label={t(r.kind === 'child_on_my_phone' ? 'helper.childPhone' : 'helper.newPhone')}
            type="tel"
            value={phone}
            required
            onChange={(e) => setPhone(e.target.value)}
          />
          {r.kind === 'child_on_my_phone' && (
            <Select label={t('helper.guardian')} value={guardian} onChange={(e) => setGuardian(e.target.value)}>
              {r.guardians.length === 0 && <option value="">{t('helper.noGuardians')}</option>}
              {r.guardians.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                  {g.phone ? ` (${g.phone})` : ''}
                </option>
              ))}
            </Select>
          )}
          <Button type="submit" busy={busy}>
            {t('helper.movePhone')}
          </Button>
        </form>
      )}
      {!done && r.status === 'open' && (
        <Button variant="ghost" busy={busy} onClick={() => void resolve({ action: 'reject' })}>
          {t('helper.reject')}
        </Button>
      )}
      <ErrorNote>{err}</ErrorNote>
    </li>
  );
}

/** «Помощник»: the queue of requests it passed on, and the FAQ it answers from. */
export function HelperPanel({ sid }: { sid: string }) {
  const { t } = useI18n();
  const [requests, setRequests] = useState<HelperRequest[]>([]);
  const [faq, setFaq] = useState<F[]>([]);
  const [all, setAll] = useState(false);
  const { err, run } = useAction();
  const reload = useCallback(() => {
    void run(async () => {
      setRequests((await api.get(`/api/v1/schools/${sid}/helper/requests?status=${all ? 'all' : 'open'}`, HelperRequestList)).requests);
      setFaq((await api.get(`/api/v1/schools/${sid}/helper/faq`, FaqList)).entries);
    });
  }, [sid, all, run]);
  useEffect(reload, [reload]);
  return (
    <div className="stack">
      <h2>{t('helper.queue')}</h2>
      <ErrorNote>{err}</ErrorNote>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> {t('helper.showAll')}
      </label>
      {requests.length === 0 && <p className="muted">{t('helper.empty')}</p>}
      <ul className="plain-list">
        {requests.map((r) => (
          <RequestCard key={r.id} sid={sid} r={r} onDone={() => setTimeout(reload, 1500)} />
        ))}
      </ul>
      <h2>{t('helper.faq')}</h2>
      <p className="muted small">{t('helper.faqIntro')}</p>
      <ul className="plain-list">
        {faq.map((f) => (
          <FaqCard key={f.id} sid={sid} f={f} onChange={reload} />
        ))}
        <FaqCard sid={sid} f={null} onChange={reload} />
      </ul>
    </div>
  );
}

function FaqCard({ sid, f, onChange }: { sid: string; f: F | null; onChange: () => void }) {
  const { t } = useI18n();
  const empty = { topic: '', question: '', answer: '', keywords: '', position: 100 };
  const [v, setV] = useState(f ? { topic: f.topic, question: f.question, answer: f.answer, keywords: f.keywords, position: f.position } : empty);
  const { err, busy, run } = useAction();
  return (
    <li className="card">
      <form
        className="stack"
        aria-label={f ? f.question : t('helper.faqAdd')}
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            if (f) await api.put(`/api/v1/schools/${sid}/helper/faq/${f.id}`, FaqEntry, v);
            else {
              await api.post(`/api/v1/schools/${sid}/helper/faq`, FaqEntry, v);
              setV(empty);
            }
            onChange();
          });
        }}
      >
        {!f && <h3>{t('helper.faqAdd')}</h3>}
        <Field label={t('helper.topic')} value={v.topic} required maxLength={64} onChange={(e) => setV({ ...v, topic: e.target.value })} />
        <Field label={t('helper.question')} value={v.question} required maxLength={300} onChange={(e) => setV({ ...v, question: e.target.value })} />
        <label className="field">
          <span>{t('helper.answerText')}</span>
          <textarea value={v.answer} required maxLength={4000} onChange={(e) => setV({ ...v, answer: e.target.value })} />
        </label>
        <Field
          label={t('helper.keywords')}
          hint={t('helper.keywordsHint')}
          value={v.keywords}
          maxLength={1000}
          onChange={(e) => setV({ ...v, keywords: e.target.value })}
        />
        <div className="row">
          <Button type="submit" busy={busy}>
            {f ? t('helper.save') : t('helper.add')}
          </Button>
          {f && (
            <Button
              variant="danger"
              busy={busy}
              onClick={() =>
                void run(async () => {
                  await api.delete(`/api/v1/schools/${sid}/helper/faq/${f.id}`);
                  onChange();
                })
              }
            >
              {t('helper.delete')}
            </Button>
          )}
        </div>
        <ErrorNote>{err}</ErrorNote>
      </form>
    </li>
  );
}

/** The admin's tabs for bots and the assistant (lazy: loaded when opened). */
export default function BotsAdmin({ sid, section }: { sid: string; section: 'bots' | 'helper' }) {
  return section === 'bots' ? <BotsPanel sid={sid} /> : <HelperPanel sid={sid} />;
}
