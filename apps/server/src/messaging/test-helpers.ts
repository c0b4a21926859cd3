import assert from 'node:assert/strict';
import type { Chat, Message } from '@parta/protocol';
import type { TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/phones.ts';
import type { BatchedSend } from './send-batch.ts';

/** Signed-in demo people and shortcuts over the messaging API, for the messaging tests. */
export interface Actor {
  token: string;
  userId: string;
  personId: string;
  schoolId: string;
}

export async function actor(t: TestApp, phone: string): Promise<Actor> {
  const s = await t.signIn(phone);
  const me = await t.request('GET', '/api/v1/me', { token: s.token });
  const school = me.json().schools[0];
  return { ...s, personId: school?.personId, schoolId: school?.school.id };
}

type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** Families of the demo's 5А as the tests of parents' features see them. */
export interface Class5A<N extends number> {
  /** The class teacher. */
  teacher: Actor;
  /** The first pupil's mother and father: one family with two guardians. */
  mother: Actor;
  father: Actor;
  /** Mothers of the 2nd, 3rd, … pupils: a family each. */
  mothers: Tuple<Actor, N>;
  /** A 6Б parent: in none of 5А's chats. */
  other: Actor;
  /** «5А — родители». */
  parentsChat: string;
}

/** Signs in 5А's class teacher, the first family, `more` other mothers and a 6Б parent. */
export async function class5A<N extends number = 2>(t: TestApp, more: N = 2 as N): Promise<Class5A<N>> {
  const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  const mothers: Actor[] = [];
  for (let i = 2; i < 2 + more; i++) mothers.push(await actor(t, `+790021000${String(i).padStart(2, '0')}`));
  return {
    teacher,
    mother: await actor(t, DEMO_PHONES.guardian5A),
    father: await actor(t, '+79003100001'),
    mothers: mothers as Tuple<Actor, N>,
    other: await actor(t, DEMO_PHONES.guardian6B),
    parentsChat: (await chatOf(t, teacher, 'parents')).id,
  };
}

export async function chats(t: TestApp, a: Pick<Actor, 'token'>): Promise<Chat[]> {
  const res = await t.request('GET', '/api/v1/chats', { token: a.token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().chats;
}

export async function chatOf(t: TestApp, a: Pick<Actor, 'token'>, kind: Chat['kind'], title?: string): Promise<Chat> {
  const found = (await chats(t, a)).find((c) => c.kind === kind && (title === undefined || c.title === title));
  assert.ok(found, `no ${kind} chat ${title ?? ''}`);
  return found;
}

let n = 0;
export async function send(t: TestApp, a: Pick<Actor, 'token'>, chatId: string, text: string, extra: Record<string, unknown> = {}): Promise<Message> {
  const res = await t.request('POST', `/api/v1/chats/${chatId}/messages`, { token: a.token, body: { clientId: `c-${Date.now()}-${n++}`, text, ...extra } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** A teacher's send as the send batcher takes it (send-batch.ts): checked and presented, seq 0 until stored. */
export function batchedSend(teacher: Pick<Actor, 'personId' | 'userId'>, chatId: string, clientId: string, text: string): BatchedSend {
  return {
    message: {
      id: crypto.randomUUID(),
      chatId,
      seq: 0,
      clientId,
      author: { personId: teacher.personId, userId: teacher.userId, name: 'Учитель', roles: ['teacher'], isStaff: true },
      text,
      entities: [],
      replyTo: null,
      forwardedFrom: null,
      attachments: [],
      reactions: [],
      views: null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    },
    attachmentIds: [],
  };
}
