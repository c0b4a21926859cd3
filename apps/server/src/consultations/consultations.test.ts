import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { class5A, type Actor } from '../messaging/test-helpers.ts';
import { readStream, streamHead } from '../stream/read.ts';
import { classFamilies } from '../meetings/families.ts';

/** Individual consultations over the API: slots, one booking per family, swap and cancel until the cut-off, the queue. */
describe('consultations', () => {
  let t: TestApp;
  let teacher: Actor, mother: Actor, father: Actor, mother2: Actor, mother3: Actor, mother4: Actor, mother5: Actor, other: Actor;
  let parentsChat: string;
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    t = await createTestApp({ demo: true });
    ({
      teacher,
      mother,
      father,
      mothers: [mother2, mother3, mother4, mother5],
      other,
      parentsChat,
    } = await class5A(t, 4));
  });
  after(async () => t.close());

  const open = (a: Actor, body: Record<string, unknown> = {}) =>
    t.request('POST', `/api/v1/chats/${parentsChat}/consultations`, {
      token: a.token,
      body: { date: day(2), from: '17:00', to: '18:00', slotMinutes: 10, mode: 'video', cutoffMinutes: 60, ...body },
    });
  const act = (a: Actor, id: string, what: 'book' | 'swap' | 'cancel', slotId?: string) =>
    t.request('POST', `/api/v1/consultations/${id}/${what}`, { token: a.token, ...(slotId ? { body: { slotId } } : {}) });
  const get = (a: Actor, id: string) => t.request('GET', `/api/v1/consultations/${id}`, { token: a.token });

  let c: { id: string; slots: { id: string; startsAt: string }[] };

  test('a teacher opens slots; parents cannot; bad times are refused', async () => {
    assert.equal((await open(mother)).json().error.code, 'consultation_not_allowed');
    assert.equal((await open(teacher, { from: '18:00', to: '17:00' })).json().error.code, 'consultation_slots_invalid');
    assert.equal((await open(teacher, { date: day(-1) })).json().error.code, 'consultation_slots_invalid');
    assert.equal((await open(teacher, { from: '08:00', to: '20:00', slotMinutes: 5 })).statusCode, 400, 'more than 48 slots');
    const head = await streamHead(t.runtime.ctx.db);
    const res = await open(teacher);
    assert.equal(res.statusCode, 201, res.body);
    c = res.json();
    assert.equal(c.slots.length, 6);
    assert.equal(new Date(c.slots[1]!.startsAt).getTime() - new Date(c.slots[0]!.startsAt).getTime(), 10 * 60_000);
    assert.equal(res.json().isTeacher, true);
    const page = await readStream(t.runtime.ctx.db, mother.userId, head.head);
    assert.ok(!page.resync && page.updates.some((u) => u.type === 'consultation.updated'));
    assert.ok(!page.resync && page.updates.some((u) => u.type === 'message.new' && u.message.text.includes('Запишитесь')));
    const list = await t.request('GET', `/api/v1/chats/${parentsChat}/consultations`, { token: mother.token });
    assert.deepEqual(
      list.json().consultations.map((x: { id: string }) => x.id),
      [c.id],
    );
    assert.equal((await get(other, c.id)).statusCode, 404);
  });

  test('each family books one slot; the second parent of the family and a taken slot are refused', async () => {
    const booked = await act(mother, c.id, 'book', c.slots[0]!.id);
    assert.equal(booked.statusCode, 200, booked.body);
    assert.equal(booked.json().slots[0].mine, true);
    assert.deepEqual(booked.json().queue, { slotId: c.slots[0]!.id, position: 0 });
    assert.equal((await act(father, c.id, 'book', c.slots[1]!.id)).json().error.code, 'consultation_family_booked');
    assert.equal((await get(father, c.id)).json().slots[0].mine, true, "the father sees his family's slot");
    assert.equal((await act(mother2, c.id, 'book', c.slots[0]!.id)).json().error.code, 'consultation_slot_taken');
    assert.equal((await act(teacher, c.id, 'book', c.slots[2]!.id)).json().error.code, 'consultation_not_family');
    assert.equal((await act(mother2, c.id, 'book', '00000000-0000-4000-8000-000000000000')).statusCode, 404);
    const second = await act(mother2, c.id, 'book', c.slots[1]!.id);
    assert.equal(second.json().queue.position, 1, 'вы следующие');
    assert.equal((await act(mother3, c.id, 'book', c.slots[3]!.id)).json().queue.position, 2);
    const seen = (await get(mother3, c.id)).json();
    assert.equal(seen.slots[0].booked, true);
    assert.equal(seen.slots[0].familyName, null, 'parents do not see who booked');
    assert.equal(seen.slots[0].meetingId, null);
    const teachers = (await get(teacher, c.id)).json();
    assert.ok(teachers.slots[0].familyName && teachers.slots[0].bookedBy);
  });

  test('a booked video slot is a private meeting of the teacher and that family, with the waiting room on', async () => {
    const slot = (await get(mother, c.id)).json().slots[0];
    assert.ok(slot.meetingId);
    const m = await t.request('GET', `/api/v1/meetings/${slot.meetingId}`, { token: father.token });
    assert.equal(m.statusCode, 200, m.body);
    assert.equal(m.json().startsAt, slot.startsAt);
    assert.equal(m.json().lobby, true);
    assert.equal((await t.request('GET', `/api/v1/meetings/${slot.meetingId}`, { token: teacher.token })).json().isHost, true);
    assert.equal((await t.request('GET', `/api/v1/meetings/${slot.meetingId}`, { token: mother2.token })).statusCode, 404, 'another family does not see it');
    const members = await t.runtime.ctx.db
      .selectFrom('chat_members')
      .select('person_id')
      .where('chat_id', '=', m.json().chatId)
      .where('left_at', 'is', null)
      .execute();
    assert.deepEqual(members.map((x) => x.person_id).sort(), [teacher.personId, mother.personId, father.personId].sort());
  });

  test('swap moves the booking and its meeting; a swap to a taken slot keeps the old one', async () => {
    const before = (await get(mother2, c.id)).json().slots[1];
    const res = await act(mother2, c.id, 'swap', c.slots[2]!.id);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().slots[1].booked, false);
    assert.equal(res.json().slots[2].mine, true);
    assert.equal(res.json().slots[2].meetingId, before.meetingId, 'the same private meeting');
    const m = await t.request('GET', `/api/v1/meetings/${before.meetingId}`, { token: mother2.token });
    assert.equal(m.json().startsAt, c.slots[2]!.startsAt);
    const refused = await act(mother2, c.id, 'swap', c.slots[0]!.id);
    assert.equal(refused.json().error.code, 'consultation_slot_taken');
    assert.equal((await get(mother2, c.id)).json().slots[2].mine, true, 'nothing lost');
    assert.equal((await act(mother4, c.id, 'swap', c.slots[4]!.id)).json().error.code, 'consultation_not_booked');
  });

  test('cancel frees the slot and closes its meeting', async () => {
    const slot = (await get(mother3, c.id)).json().slots[3];
    const res = await act(mother3, c.id, 'cancel');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().slots[3].booked, false);
    assert.equal(res.json().queue, null);
    assert.equal((await t.request('GET', `/api/v1/meetings/${slot.meetingId}`, { token: mother3.token })).json().status, 'ended');
    assert.equal((await act(mother3, c.id, 'cancel')).json().error.code, 'consultation_not_booked');
  });

  test('the queue moves when the teacher marks a slot done', async () => {
    assert.equal((await get(mother2, c.id)).json().queue.position, 1);
    assert.equal(
      (await t.request('POST', `/api/v1/consultations/${c.id}/slots/${c.slots[0]!.id}/done`, { token: mother.token })).json().error.code,
      'consultation_not_allowed',
    );
    // The private call's waiting room reads the same queue.
    const call = (await get(mother2, c.id)).json().slots[2].meetingId;
    const queue = await t.request('GET', `/api/v1/meetings/${call}/queue`, { token: mother2.token });
    assert.equal(queue.statusCode, 200, queue.body);
    assert.equal(queue.json().position, 1);
    assert.equal((await t.request('GET', `/api/v1/meetings/${call}/queue`, { token: mother.token })).statusCode, 404, 'not their call');
    const done = await t.request('POST', `/api/v1/consultations/${c.id}/slots/${c.slots[0]!.id}/done`, { token: teacher.token });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await get(mother2, c.id)).json().queue.position, 0, 'it is your turn');
    assert.equal((await t.request('GET', `/api/v1/meetings/${call}/queue`, { token: mother2.token })).json().position, 0);
    assert.equal((await get(mother, c.id)).json().queue, null, 'done: no queue');
  });

  test('after the cut-off nobody books, swaps or cancels', async () => {
    const closed = (await open(teacher, { date: day(2), cutoffMinutes: 7 * 24 * 60, mode: 'in_person', place: 'каб. 12' })).json();
    assert.equal(closed.place, 'каб. 12');
    assert.equal((await act(mother4, closed.id, 'book', closed.slots[0].id)).json().error.code, 'consultation_closed');
    // A booking made before the cut-off (written directly: it has passed) is then kept.
    const cls = await t.runtime.ctx.db.selectFrom('chats').select('class_id').where('id', '=', parentsChat).executeTakeFirstOrThrow();
    const family = (await classFamilies(t.runtime.ctx.db, cls.class_id)).familyOf(mother4.personId)!;
    await t.runtime.ctx.db
      .updateTable('consultation_slots')
      .set({ family_key: family.key, booked_by_person_id: mother4.personId, booked_at: new Date() })
      .where('id', '=', closed.slots[1].id)
      .execute();
    assert.equal((await get(mother4, closed.id)).json().slots[1].mine, true);
    assert.equal((await act(mother4, closed.id, 'cancel')).json().error.code, 'consultation_closed');
    assert.equal((await act(mother4, closed.id, 'swap', closed.slots[2].id)).json().error.code, 'consultation_closed');
    assert.equal((await get(mother4, closed.id)).json().slots[1].mine, true, 'the booking is kept');
  });

  test('no double booking under concurrency: one family per slot, one slot per family', async () => {
    const fresh = (await open(teacher, { date: day(3), mode: 'in_person' })).json();
    const slot = fresh.slots[0].id;
    const results = await Promise.all([mother, mother2, mother3, mother4, mother5].map((a) => act(a, fresh.id, 'book', slot)));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'consultation_slot_taken');
    // The two parents of one family, for two different slots at once: one wins.
    const pair = await Promise.all([act(mother, fresh.id, 'book', fresh.slots[1].id), act(father, fresh.id, 'book', fresh.slots[2].id)]);
    const motherHeld = results[0]!.statusCode === 200; // the mother may have won slot 0 above
    assert.deepEqual(pair.map((r) => r.statusCode).sort(), motherHeld ? [409, 409] : [200, 409]);
    for (const r of pair.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'consultation_family_booked');
    const held = await t.runtime.ctx.db
      .selectFrom('consultation_slots')
      .select(['family_key'])
      .where('consultation_id', '=', fresh.id)
      .where('family_key', 'is not', null)
      .execute();
    assert.equal(new Set(held.map((h) => h.family_key)).size, held.length, 'no family holds two slots');
    // The database itself refuses a second slot for a family.
    const mine = held[0]!.family_key!;
    await assert.rejects(
      t.runtime.ctx.db.updateTable('consultation_slots').set({ family_key: mine }).where('id', '=', fresh.slots[5].id).execute(),
      (err: { code?: string }) => err.code === '23505',
    );
  });
});
