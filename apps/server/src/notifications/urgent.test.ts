import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { send } from '../messaging/test-helpers.ts';
import { notifyFixture, type NotifyFixture } from './test-fixture.ts';

/** «Срочно» as the clients see it: the budget the composer shows, and the mark on the message, live in the stream. */
describe('urgent messages in the clients', () => {
  let f: NotifyFixture;
  before(async () => {
    f = await notifyFixture();
  });
  after(() => f.close());

  test("a teacher sees today's budget; a guardian may not mark; a marked message carries its reason in history and in the stream", async () => {
    const { t, teacher, guardian, parentsChat } = f;
    const budget = await t.request('GET', `/api/v1/chats/${parentsChat}/urgent-budget`, { token: teacher.token });
    assert.equal(budget.statusCode, 200, budget.body);
    assert.deepEqual(budget.json(), { allowed: true, usedToday: 0, perDay: 3 });
    assert.equal((await t.request('GET', `/api/v1/chats/${parentsChat}/urgent-budget`, { token: guardian.token })).json().allowed, false);
    const position = (await t.request('GET', '/api/v1/chats', { token: guardian.token })).json().position as number;
    const m = await send(t, teacher, parentsChat, 'Завтра уроков не будет');
    assert.equal(m.urgent ?? null, null);
    const refused = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, { token: guardian.token, body: { reason: 'x' } });
    assert.equal(refused.statusCode, 403);
    const mark = await t.request('POST', `/api/v1/chats/${parentsChat}/messages/${m.id}/urgent`, {
      token: teacher.token,
      body: { reason: 'Отключили отопление' },
    });
    assert.equal(mark.statusCode, 200, mark.body);
    assert.equal(mark.json().usedToday, 1);
    const shown = await t.request('GET', `/api/v1/chats/${parentsChat}/messages/${m.id}`, { token: guardian.token });
    assert.deepEqual(shown.json().urgent, { reason: 'Отключили отопление' });
    const updates = (await t.request('GET', `/api/v1/updates?after=${position}&limit=100`, { token: guardian.token })).json().updates as {
      type: string;
      message?: { id: string; urgent?: { reason: string } };
    }[];
    const edited = updates.find((u) => u.type === 'message.edited' && u.message?.id === m.id);
    assert.deepEqual(edited?.message?.urgent, { reason: 'Отключили отопление' }, 'open chats get the mark live');
    assert.equal((await t.request('GET', `/api/v1/chats/${parentsChat}/urgent-budget`, { token: teacher.token })).json().usedToday, 1);
    const audit = await t.runtime.ctx.db.selectFrom('school_audit_log').select(['action']).where('action', '=', 'message.urgent').execute();
    assert.equal(audit.length, 1);
  });
});
