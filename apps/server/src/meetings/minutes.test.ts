import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { docxText, pdfText, pdftotextMissing } from '../testing/documents.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, class5A, type Actor } from '../messaging/test-helpers.ts';
import { readStream, streamHead } from '../stream/read.ts';

/** The agenda, the record of what was said and decided, and the minutes as PDF and DOCX, over the API. */
describe('agenda and minutes', () => {
  let t: TestApp;
  let teacher: Actor, mother: Actor, father: Actor, mother2: Actor, mother3: Actor, other: Actor, maths: Actor, admin: Actor;
  let parentsChat: string;
  let meetingId: string;
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

  before(async () => {
    t = await createTestApp({ demo: true });
    ({
      teacher,
      mother,
      father,
      mothers: [mother2, mother3],
      other,
      parentsChat,
    } = await class5A(t));
    maths = await actor(t, DEMO_PHONES.subjectTeacher);
    admin = await actor(t, DEMO_PHONES.admin);
    const res = await t.request('POST', `/api/v1/chats/${parentsChat}/meetings`, {
      token: teacher.token,
      body: { title: 'Итоги первой четверти', agenda: ['Успеваемость', 'Экскурсия'], startsAt: inMinutes(30), durationMinutes: 45 },
    });
    assert.equal(res.statusCode, 201, res.body);
    meetingId = res.json().id;
  });
  after(async () => t.close());

  const agenda = (a: Actor) => t.request('GET', `/api/v1/meetings/${meetingId}/agenda`, { token: a.token });
  const put = (a: Actor, items: unknown[]) => t.request('PUT', `/api/v1/meetings/${meetingId}/agenda`, { token: a.token, body: { items } });

  test('the titles given at scheduling become the agenda; members read it, only the host edits it', async () => {
    const seen = await agenda(mother);
    assert.equal(seen.statusCode, 200, seen.body);
    assert.deepEqual(
      seen.json().items.map((i: { title: string }) => i.title),
      ['Успеваемость', 'Экскурсия'],
    );
    assert.equal(seen.json().canEdit, false);
    assert.equal((await agenda(teacher)).json().canEdit, true);
    // Reading twice does not add the items twice.
    assert.equal((await agenda(teacher)).json().items.length, 2);
    assert.equal((await agenda(other)).json().error.code, 'meeting_not_found');
    assert.equal((await put(mother, [{ title: 'Моё' }])).json().error.code, 'meeting_host_only');
    // A teacher of the class who is not in its parents' chat does not see the meeting at all.
    assert.equal((await put(maths, [{ title: 'Моё' }])).statusCode, 404);
    assert.equal((await put(other, [{ title: 'Моё' }])).statusCode, 404);
    assert.equal((await put(teacher, [{ title: '' }])).statusCode, 400);
  });

  test('the host orders the questions, names the speakers and minutes; the card reads the titles', async () => {
    const before = (await agenda(teacher)).json().items;
    const head = await streamHead(t.runtime.ctx.db);
    const res = await put(teacher, [
      { title: 'Экскурсия в Кремль', speaker: 'Смирнова Е. П.', minutes: 10, id: before[1].id },
      { title: 'Успеваемость', speaker: 'Белова О. Н.', minutes: 15, id: before[0].id },
      { title: 'Разное', minutes: 5 },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items;
    assert.deepEqual(
      items.map((i: { title: string; speaker: string; minutes: number }) => [i.title, i.speaker, i.minutes]),
      [
        ['Экскурсия в Кремль', 'Смирнова Е. П.', 10],
        ['Успеваемость', 'Белова О. Н.', 15],
        ['Разное', '', 5],
      ],
    );
    assert.equal(items[0].id, before[1].id);
    const card = await t.request('GET', `/api/v1/meetings/${meetingId}`, { token: mother.token });
    assert.deepEqual(card.json().agenda, ['Экскурсия в Кремль', 'Успеваемость', 'Разное']);
    const page = await readStream(t.runtime.ctx.db, mother.userId, head.head);
    assert.ok(!page.resync && page.updates.some((u) => u.type === 'meeting.agenda' && u.meetingId === meetingId));
    const unknown = await put(teacher, [{ id: '00000000-0000-4000-8000-000000000000', title: 'Нет такого' }]);
    assert.equal(unknown.json().error.code, 'agenda_item_not_found');
    assert.equal((await agenda(teacher)).json().items.length, 3, 'a refused edit keeps what was stored');
  });

  test('the host records what was said and decided; others cannot', async () => {
    const items = (await agenda(teacher)).json().items;
    const rec = (a: Actor, id: string, body: unknown) => t.request('PATCH', `/api/v1/meetings/${meetingId}/agenda/${id}`, { token: a.token, body });
    const r1 = await rec(teacher, items[0].id, {
      said: 'Экскурсия 15 декабря, сбор у школы в 9:00.',
      decision: 'Провести экскурсию; взнос 500 рублей с семьи.',
    });
    assert.equal(r1.statusCode, 200, r1.body);
    assert.equal(r1.json().decision, 'Провести экскурсию; взнос 500 рублей с семьи.');
    await rec(teacher, items[1].id, { decision: 'Организовать дополнительные занятия по математике.' });
    assert.equal((await rec(mother, items[0].id, { decision: 'Отменить' })).json().error.code, 'meeting_host_only');
    assert.equal((await rec(teacher, '00000000-0000-4000-8000-000000000000', { said: 'x' })).statusCode, 404);
    assert.equal((await rec(admin, items[2].id, { said: 'x' })).statusCode, 404, 'not a member of the chat');
    assert.equal((await rec(teacher, items[2].id, { said: 'Вопросов нет.' })).statusCode, 200);
    assert.equal((await agenda(mother)).json().items[0].said, 'Экскурсия 15 декабря, сбор у школы в 9:00.');
  });

  test('the minutes: families present from attendance (a removed person is not present), the record, votes per family', async () => {
    const db = t.runtime.ctx.db;
    const at = new Date();
    // Attendance as the meeting writes it: the mother and the father of child 1 came (the father was
    // removed by the host), the mother of child 2 came and was removed, the teacher hosted.
    for (const a of [teacher, mother, father, mother2])
      await db
        .insertInto('meeting_attendance')
        .values({
          meeting_id: meetingId,
          person_id: a.personId,
          user_id: a.userId,
          joined_at: at,
          seen_at: at,
          left_at: at,
          removed: a === father || a === mother2,
        })
        .execute();
    for (const a of [father, mother2])
      await db.insertInto('meeting_decisions').values({ meeting_id: meetingId, person_id: a.personId, removed: true }).execute();
    const poll = await t.request('POST', `/api/v1/meetings/${meetingId}/polls`, {
      token: teacher.token,
      body: { question: 'Согласны на экскурсию?', options: ['За', 'Против', 'Воздержался'], perFamily: true },
    });
    assert.equal(poll.statusCode, 201, poll.body);
    for (const [a, choice] of [
      [mother, 0],
      [mother2, 2],
      [mother3, 1],
    ] as const) {
      const v = await t.request('POST', `/api/v1/polls/${poll.json().id}/vote`, { token: a.token, body: { options: [choice] } });
      assert.equal(v.statusCode, 200, v.body);
    }
    assert.equal((await t.request('GET', `/api/v1/meetings/${meetingId}/minutes`, { token: mother.token })).json().error.code, 'meeting_host_only');
    const res = await t.request('GET', `/api/v1/meetings/${meetingId}/minutes`, { token: teacher.token });
    assert.equal(res.statusCode, 200, res.body);
    const m = res.json();
    assert.equal(m.className, '5А');
    assert.equal(m.present.length, 1);
    const motherName = await db
      .selectFrom('persons')
      .select(['last_name', 'first_name', 'middle_name'])
      .where('id', '=', mother.personId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      m.present[0].present,
      [[motherName.last_name, motherName.first_name, motherName.middle_name].join(' ')],
      'the removed father is not listed',
    );
    assert.equal(m.absent.length, 24, 'the family whose only attendee was removed is absent');
    assert.deepEqual(m.otherPresent, ['Смирнова Елена Петровна']);
    assert.deepEqual(
      m.items.map((i: { title: string }) => i.title),
      ['Экскурсия в Кремль', 'Успеваемость', 'Разное'],
    );
    assert.equal(m.polls.length, 1);
    assert.deepEqual(m.polls[0].tally, [1, 1, 1]);
    assert.equal(m.polls[0].notVoted, 22);
    assert.deepEqual(m.polls[0].families.map((f: { choices: string[] }) => f.choices[0]).sort(), ['Воздержался', 'За', 'Против']);
  });

  test('PDF and DOCX carry the minutes in Russian, Cyrillic intact', { skip: pdftotextMissing }, async () => {
    const pdf = await t.request('GET', `/api/v1/meetings/${meetingId}/minutes.pdf`, { token: teacher.token });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(String(pdf.headers['content-disposition']), /filename\*=UTF-8''/);
    const docx = await t.request('GET', `/api/v1/meetings/${meetingId}/minutes.docx`, { token: teacher.token });
    assert.equal(docx.statusCode, 200);
    const motherFamily = (await t.request('GET', `/api/v1/meetings/${meetingId}/minutes`, { token: teacher.token })).json().present[0];
    for (const text of [await pdfText(pdf.rawPayload), await docxText(docx.rawPayload)]) {
      const flat = text.replace(/\s+/g, ' ');
      for (const expected of [
        'Протокол родительского собрания',
        'Класс: 5А',
        'Итоги первой четверти',
        'Присутствовали: 1 семья из 25',
        `${motherFamily.name} — ${motherFamily.present[0]}`,
        'Также присутствовали: Смирнова Елена Петровна',
        'Экскурсия в Кремль (докладчик: Смирнова Е. П., 10 мин)',
        'Решили: Провести экскурсию; взнос 500 рублей с семьи.',
        'Решили: Организовать дополнительные занятия по математике.',
        'Вопрос: Согласны на экскурсию?',
        'За — 1; Против — 1; Воздержался — 1; не голосовали — 22',
        'Председатель:',
      ])
        assert.ok(flat.includes(expected), `«${expected}» not in:\n${text}`);
    }
    assert.equal((await t.request('GET', `/api/v1/meetings/${meetingId}/minutes.pdf`, { token: father.token })).statusCode, 403);
  });

  test('«Опубликовать» posts both files in the parents’ chat and asks every family to confirm', async () => {
    assert.equal((await t.request('POST', `/api/v1/meetings/${meetingId}/minutes/publish`, { token: mother.token })).json().error.code, 'meeting_host_only');
    const res = await t.request('POST', `/api/v1/meetings/${meetingId}/minutes/publish`, { token: teacher.token });
    assert.equal(res.statusCode, 200, res.body);
    const published = res.json().minutes;
    assert.ok(published.messageId && published.pdfUrl && published.docxUrl);
    const history = (await t.request('GET', `/api/v1/chats/${parentsChat}/messages`, { token: mother.token })).json().messages;
    const message = history.find((x: { id: string }) => x.id === published.messageId);
    assert.match(message.text, /Протокол родительского собрания «Итоги первой четверти», 5А/);
    assert.deepEqual(
      message.attachments.map((a: { contentType: string }) => a.contentType),
      ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    );
    assert.match(message.attachments[0].name, /^Протокол 5А .+\.pdf$/);
    const file = await t.request('GET', message.attachments[0].url, { token: mother.token });
    assert.equal(file.statusCode, 200);
    if (!pdftotextMissing) assert.ok((await pdfText(file.rawPayload)).includes('Протокол родительского собрания'));
    const ack = await t.request('GET', `/api/v1/chats/${parentsChat}/messages/${message.id}/ack`, { token: mother.token });
    assert.equal(ack.json().required, true);
    assert.equal(ack.json().mine.canAck, true);
    assert.equal(ack.json().total, 25);
    assert.equal((await agenda(mother)).json().minutes.messageId, message.id);
    const again = await t.request('POST', `/api/v1/meetings/${meetingId}/minutes/publish`, { token: teacher.token });
    assert.equal(again.json().error.code, 'minutes_already_published');
    const count = (await t.request('GET', `/api/v1/chats/${parentsChat}/messages`, { token: mother.token }))
      .json()
      .messages.filter((x: { text: string }) => x.text.startsWith('Протокол')).length;
    assert.equal(count, 1);
  });

  test('empty minutes are not published', async () => {
    const res = await t.request('POST', `/api/v1/chats/${parentsChat}/meetings`, {
      token: teacher.token,
      body: { title: 'Без повестки', startsAt: inMinutes(60), durationMinutes: 30 },
    });
    const publish = await t.request('POST', `/api/v1/meetings/${res.json().id}/minutes/publish`, { token: teacher.token });
    assert.equal(publish.statusCode, 400);
    assert.equal(publish.json().error.code, 'minutes_empty');
  });
});
