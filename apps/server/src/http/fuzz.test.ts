import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chats, send, type Actor } from '../messaging/test-helpers.ts';
import { multipartBody } from '../files/test-helpers.ts';
import { BAD_PATH_VALUES, BAD_QUERY_VALUES, badBodies, sampleOf, type Schema } from './fuzz-inputs.ts';

/**
 * The route fuzzer: every operation of the OpenAPI document, signed in as the demo school's
 * admin, gets a sample of valid input built from its schema and then the same input spoiled one
 * place at a time — wrong types, NUL, lone surrogates, huge strings, deep nesting, bad JSON, a
 * cut-off multipart body, bad path parameters and query values. No answer may be a 5xx.
 * Bounded by count (each operation gets a fixed list; the first pass — valid input, bad path
 * parameters and query values — always runs whole) and by a time budget for the spoiled bodies;
 * it prints its figures.
 */
const TIME_BUDGET_MS = 60_000;

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: Schema }[];
  body: Schema | null;
  multipart: boolean;
}

describe('route fuzzer', () => {
  let t: TestApp;
  let admin: Actor;
  let ids: Record<string, string> = {};
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let sent = 0;

  before(async () => {
    t = await createTestApp({ demo: true });
    admin = await actor(t, DEMO_PHONES.admin);
    const chat = (await chats(t, admin))[0]!;
    const message = await send(t, admin, chat.id, 'проверка');
    const classes = await t.request('GET', `/api/v1/schools/${admin.schoolId}/classes`, { token: admin.token });
    const people = await t.request('GET', `/api/v1/schools/${admin.schoolId}/people?role=student`, { token: admin.token });
    ids = {
      schoolId: admin.schoolId,
      chatId: chat.id,
      messageId: message.id,
      classId: classes.json().classes[0].id,
      personId: admin.personId,
      studentId: people.json().people[0].id,
      guardianId: admin.personId,
    };
  });
  after(async () => t.close());

  /** The real id a path parameter names, so that spoiled input reaches past the access checks. */
  function realId(name: string, path: string): string {
    if (ids[name]) return ids[name]!;
    if (name === 'id' && path.startsWith('/api/v1/chats/')) return ids.chatId!;
    if (name === 'emoji') return '👍';
    if (name === 'size') return '64';
    if (name === 'file') return 'cat-1.webp';
    return crypto.randomUUID();
  }

  async function call(op: Operation, url: string, payload: { body?: string | Buffer; contentType?: string }) {
    const go = () =>
      t.app.inject({
        method: op.method as 'GET',
        url,
        headers: { authorization: `Bearer ${admin.token}`, ...(payload.contentType ? { 'content-type': payload.contentType } : {}) },
        ...(payload.body !== undefined ? { payload: payload.body } : {}),
      });
    let res = await go();
    sent++;
    // Some operations end the session (logout): sign in again and go on.
    if (res.statusCode === 401 && !url.includes('/auth/')) {
      admin = { ...admin, ...(await t.signIn(DEMO_PHONES.admin)) };
      res = await go();
      sent++;
    }
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500)
      failures.push(`${op.method} ${url.slice(0, 200)} ${String(payload.body ?? '').slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res;
  }

  test('no input makes any route answer 5xx', async () => {
    const started = Date.now();
    const doc = (await t.request('GET', '/api/openapi.json')).json();
    const ops: Operation[] = [];
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { parameters?: Operation['params']; requestBody?: { content: Record<string, { schema: Schema }> } }>>,
    )) {
      for (const [method, o] of Object.entries(methods)) {
        const content = o.requestBody?.content ?? {};
        ops.push({
          method: method.toUpperCase(),
          path,
          params: (o.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query'),
          body: content['application/json']?.schema ?? null,
          multipart: path.endsWith('/files') || path.endsWith('/photo'),
        });
      }
    }
    assert.ok(ops.length > 50, `the document lists ${ops.length} operations`);

    // Two passes: first every operation's valid input, bad path parameters and bad query values
    // (cheap, so every operation is reached however slow the machine), then the spoiled bodies
    // while the time budget lasts.
    const passes: (() => Promise<unknown>)[][] = [[], []];
    for (const op of ops) {
      const pathParams = op.params.filter((p) => p.in === 'path');
      const queryParams = op.params.filter((p) => p.in === 'query');
      const urlWith = (override: Record<string, string> = {}, query = '') => {
        let url = op.path;
        for (const p of pathParams) url = url.replace(`{${p.name}}`, override[p.name] ?? encodeURIComponent(realId(p.name, op.path)));
        return query ? `${url}?${query}` : url;
      };
      const validBody = op.body ? JSON.stringify(sampleOf(op.body, '', realId)) : undefined;
      const json = (body: string | undefined) => ({ body, contentType: body === undefined ? undefined : 'application/json' });
      const [first, second] = passes as [(() => Promise<unknown>)[], (() => Promise<unknown>)[]];
      first.push(() => call(op, urlWith(), json(validBody)));
      first.push(() => call(op, urlWith({}, 'unknown=%00'), json(validBody)));
      for (const p of pathParams) for (const bad of BAD_PATH_VALUES) first.push(() => call(op, urlWith({ [p.name]: bad }), json(validBody)));
      for (const p of queryParams) for (const bad of BAD_QUERY_VALUES) first.push(() => call(op, urlWith({}, `${p.name}=${bad}`), json(validBody)));
      if (op.body) for (const body of badBodies(op.body, realId)) second.push(() => call(op, urlWith(), body));
      if (op.multipart) {
        const m = multipartBody('файл.pdf', Buffer.alloc(4000, 0x41), 'application/pdf');
        second.push(() => call(op, urlWith(), { body: m.body.subarray(0, 2500), contentType: m.headers['content-type'] }));
        second.push(() => call(op, urlWith(), { body: m.body, contentType: 'multipart/form-data' }));
        second.push(() => call(op, urlWith(), { body: '--x\r\nContent-Disposition: form-data\r\n\r\n', contentType: 'multipart/form-data; boundary=x' }));
      } else if (['POST', 'PUT', 'PATCH'].includes(op.method)) {
        second.push(() => call(op, urlWith(), { body: 'a=1', contentType: 'application/x-www-form-urlencoded' }));
      }
    }
    const planned = passes[0]!.length + passes[1]!.length;
    for (const send of passes[0]!) await send();
    for (const send of passes[1]!) {
      if (Date.now() - started > TIME_BUDGET_MS) break;
      await send();
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const seen = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    console.log(`route fuzzer: ${ops.length} operations, ${sent} of ${planned} planned requests sent in ${seconds} s; statuses ${seen}`);
    if (sent < planned) console.log(`route fuzzer: the time budget (${TIME_BUDGET_MS / 1000} s) ran out; the spoiled bodies of some operations were not sent`);
    assert.deepEqual(failures, [], `5xx answers:\n${failures.join('\n')}`);
  });
});
