import { DEMO_PHONES } from '../demo/seed.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { listenWs, WsTestClient } from './ws-client.ts';

export interface Actor {
  token: string;
  userId: string;
}

/**
 * The demo school's app listening on a loopback port, with three accounts signed in: the 5А
 * class teacher, a 5А student and a 6Б guardian (an outsider to 5А), and two chats: 5А's class
 * chat and the outsider's own parents' chat. `connect` opens an authenticated socket that
 * `close` closes with the app.
 */
export interface RealtimeFixture {
  t: TestApp;
  url: string;
  teacher: Actor;
  student: Actor;
  outsider: Actor;
  classChatId: string;
  outsiderChatId: string;
  connect(token: string, after?: number): Promise<WsTestClient>;
  close(): Promise<void>;
}

async function chatOf(t: TestApp, token: string, kind: string): Promise<string> {
  const res = await t.request('GET', '/api/v1/chats', { token });
  if (res.statusCode !== 200) throw new Error(`chat list: ${res.statusCode} ${res.body}`);
  const chat = (res.json().chats as { id: string; kind: string }[]).find((c) => c.kind === kind);
  if (!chat) throw new Error(`no ${kind} chat`);
  return chat.id;
}

export async function realtimeFixture(env: Record<string, string> = {}): Promise<RealtimeFixture> {
  const t = await createTestApp({ demo: true, env });
  const url = await listenWs(t.app);
  const clients: WsTestClient[] = [];
  const teacher = await t.signIn(DEMO_PHONES.classTeacher5A);
  const student = await t.signIn(DEMO_PHONES.student5A);
  const outsider = await t.signIn(DEMO_PHONES.guardian6B);
  return {
    t,
    url,
    teacher,
    student,
    outsider,
    classChatId: await chatOf(t, student.token, 'class'),
    outsiderChatId: await chatOf(t, outsider.token, 'parents'),
    connect: async (token, after) => {
      const c = await WsTestClient.connect(url, token, after);
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) c.close();
      await t.close();
    },
  };
}
