import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DiaryWeek, Grade, Journal, Update } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { call, diaryFixture, firstPeriod, journalOf, type DiaryFixture } from './test-fixture.ts';
import { weightedAverage, normaliseGrade, suggestedMark } from './averages.ts';
import { planLessons } from './timetable.ts';
import { MINIMAL_PDF, upload } from '../files/test-helpers.ts';

describe('diary: model and rules', () => {
  let t: TestApp;
  let f: DiaryFixture;
  let base: string;
  before(async () => {
    t = await createTestApp({ demo: true });
    f = await diaryFixture(t);
    base = `/api/v1/schools/${f.schoolId}/diary`;
  });
  after(() => t.close());

  it('the timetable produces dated lessons over the period, with bells, none in holidays', async () => {
    const p = firstPeriod(f);
    const j = await journalOf(t, f, f.math, f.subjects.math, p.id);
    assert.ok(j.lessons.length >= 20, `maths lessons in the first quarter: ${j.lessons.length}`);
    assert.ok(j.lessons.every((l) => l.date >= p.startsOn && l.date <= p.endsOn));
    assert.ok(j.lessons.every((l) => [1, 3, 5].includes(new Date(`${l.date}T00:00:00Z`).getUTCDay())));
    assert.equal(j.lessons[0]!.startsAt, '08:30');
    assert.equal(j.lessons[0]!.room, '21');
    assert.equal(j.students.length, 25);
    const holiday = f.settings.holidays[0]!;
    const all = await journalOf(t, f, f.math, f.subjects.math, f.settings.periods[1]!.id);
    assert.ok(all.lessons.every((l) => l.date < holiday.startsOn || l.date > holiday.endsOn));
  });

  it('changes of one date sit beside the template: cancellation, substitution, room, moved; withdrawing one restores the lesson', async () => {
    const p = firstPeriod(f);
    const j = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const [a, b, c, d] = j.lessons;
    const changes = `${base}/classes/${f.c5a}/changes`;
    const cancel = await call(t, f.admin, 'POST', changes, { date: a!.date, lessonNo: 1, kind: 'cancellation' }, 201);
    await call(t, f.admin, 'POST', changes, { date: b!.date, lessonNo: 1, kind: 'substitution', teacherId: f.ct5a.personId }, 201);
    await call(t, f.admin, 'POST', changes, { date: c!.date, lessonNo: 1, kind: 'room', room: '5' }, 201);
    await call(t, f.admin, 'POST', changes, { date: d!.date, lessonNo: 1, kind: 'moved', toDate: d!.date, toLessonNo: 6 }, 201);
    const after = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const at = (date: string, no: number) => after.lessons.find((l) => l.date === date && l.lessonNo === no);
    assert.equal(at(a!.date, 1)!.cancelled, true);
    assert.equal(at(b!.date, 1)!.teacher!.id, f.ct5a.personId);
    assert.equal(at(b!.date, 1)!.changed, 'substitution');
    assert.equal(at(c!.date, 1)!.room, '5');
    assert.equal(at(d!.date, 1), undefined);
    assert.equal(at(d!.date, 6)!.changed, 'moved');
    // A second change of the same lesson is refused; the first one stays.
    const dup = await t.request('POST', changes, { token: f.admin.token, body: { date: a!.date, lessonNo: 1, kind: 'room', room: '7' } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'timetable_invalid');
    // The substitute may grade that lesson; the maths teacher keeps the rest.
    await call(t, f.ct5a, 'PUT', `${base}/lessons/${at(b!.date, 1)!.id}/grades/${f.student5a.personId}`, { value: '4' });
    await call(t, f.admin, 'DELETE', `${changes}/${cancel.id}`, undefined, 204);
    const restored = await journalOf(t, f, f.math, f.subjects.math, p.id);
    assert.equal(restored.lessons.find((l) => l.date === a!.date && l.lessonNo === 1)!.cancelled, false);
  });

  it('grades follow the scale, долг counts in no average, weights come from the form of work, and history keeps every change', async () => {
    const p = firstPeriod(f);
    const j = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const open = j.lessons.filter((l) => !l.cancelled);
    const test = f.settings.workTypes.find((w) => w.weight === 2)!;
    const s = f.student5a.personId;
    const put = (lessonId: string, body: object, status = 200) => call(t, f.math, 'PUT', `${base}/lessons/${lessonId}/grades/${s}`, body, status);
    const bad = await t.request('PUT', `${base}/lessons/${open[0]!.id}/grades/${s}`, { token: f.math.token, body: { value: '6' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'grade_invalid');
    await put(open[0]!.id, { value: '5' });
    await put(open[1]!.id, { value: '3', workTypeId: test.id, comment: 'Контрольная по дробям' });
    const debt: Grade = await put(open[2]!.id, { value: 'долг' });
    assert.equal(debt.value, 'debt');
    await put(open[0]!.id, { value: '4' });
    const j2 = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const me = j2.students.find((x) => x.id === s)!;
    // (4·1 + 3·2) / 3 = 3.33; the debt is not counted.
    assert.equal(me.average, 3.33);
    assert.equal(j2.grades.filter((g) => g.studentId === s).length, 3);
    const history = await call(t, f.admin, 'GET', `${base}/grade-history?studentId=${s}`);
    const first = history.changes.filter((c: { lessonId: string }) => c.lessonId === open[0]!.id);
    assert.deepEqual(
      first.map((c: { oldValue: string | null; newValue: string }) => [c.oldValue, c.newValue]),
      [
        ['5', '4'],
        [null, '5'],
      ],
    );
    assert.equal(first[0].changedBy.id, f.math.personId);
    // The period mark: the teacher sets it, the average was the suggestion.
    await call(t, f.math, 'PUT', `${base}/final-marks`, { studentId: s, subjectId: f.subjects.math, periodId: p.id, value: '3' });
    const j3 = await journalOf(t, f, f.ct5a, f.subjects.math, p.id);
    assert.equal(j3.students.find((x) => x.id === s)!.finalMark, '3');
    assert.equal(j3.canEdit, false, 'the class teacher sees the maths journal but does not grade in it');
    assert.equal(j3.canMarkAttendance, true);
  });

  it('the school scale can be 1–10 or зачёт/незачёт', async () => {
    await call(t, f.admin, 'PATCH', `${base}/settings`, { scale: 'pass' }, 204);
    const j = await journalOf(t, f, f.math, f.subjects.math, firstPeriod(f).id);
    const l = j.lessons.filter((x) => !x.cancelled)[5]!;
    const g: Grade = await call(t, f.math, 'PUT', `${base}/lessons/${l.id}/grades/${f.classmate.personId}`, { value: 'зачёт' });
    assert.equal(g.value, 'pass');
    await call(t, f.admin, 'PATCH', `${base}/settings`, { scale: '1-10' }, 204);
    assert.equal((await call(t, f.math, 'PUT', `${base}/lessons/${l.id}/grades/${f.classmate.personId}`, { value: '9' })).value, '9');
    await call(t, f.admin, 'PATCH', `${base}/settings`, { scale: '2-5' }, 204);
  });

  it('attendance: a whole column in one request; a guardian announces an absence, lessons are pre-marked excused and the class teacher is told', async () => {
    const p = f.settings.periods.find((x) => x.number === 4)!;
    const j = await journalOf(t, f, f.ct5a, f.subjects.russian, p.id);
    const lesson = j.lessons[0]!;
    const marks = j.students.map((s, i) => ({ studentId: s.id, status: i === 1 ? 'late' : i === 2 ? 'ill' : null }));
    await call(t, f.ct5a, 'PUT', `${base}/lessons/${lesson.id}/attendance`, { marks }, 204);
    const j2 = await journalOf(t, f, f.ct5a, f.subjects.russian, p.id);
    assert.deepEqual(
      j2.attendance
        .filter((a) => a.lessonId === lesson.id)
        .map((a) => a.status)
        .sort(),
      ['ill', 'late'],
    );

    const before = (await call(t, f.ct5a, 'GET', '/api/v1/updates?after=0')).position as number;
    const day = j.lessons[3]!.date;
    const notice = await call(
      t,
      f.guardian5a,
      'POST',
      `${base}/students/${f.student5a.personId}/absences`,
      { fromDate: day, toDate: day, reason: 'ill', comment: 'Температура' },
      201,
    );
    assert.ok(notice.lessonsExcused >= 1);
    const list = await call(t, f.ct5a, 'GET', `${base}/classes/${f.c5a}/absences`);
    assert.equal(list.notices[0].comment, 'Температура');
    const updates: Update[] = (await call(t, f.ct5a, 'GET', `/api/v1/updates?after=${before}`)).updates;
    assert.ok(updates.some((u) => u.type === 'diary.absence' && u.studentId === f.student5a.personId));
    const week: DiaryWeek = await call(t, f.guardian5a, 'GET', `${base}/students/${f.student5a.personId}/week?date=${day}`);
    const thatDay = week.days.find((d) => d.date === day)!;
    assert.ok(thatDay.lessons.length > 0);
    for (const l of thatDay.lessons) assert.equal(week.attendance.find((a) => a.lessonId === l.id)?.status, 'excused');
    // The student cannot announce; another family cannot.
    assert.equal(
      (
        await t.request('POST', `${base}/students/${f.student5a.personId}/absences`, {
          token: f.student5a.token,
          body: { fromDate: day, toDate: day, reason: 'ill' },
        })
      ).statusCode,
      403,
    );
    assert.equal(
      (
        await t.request('POST', `${base}/students/${f.student5a.personId}/absences`, {
          token: f.guardian6b.token,
          body: { fromDate: day, toDate: day, reason: 'ill' },
        })
      ).statusCode,
      404,
    );
  });

  it('homework is due at the next lesson of the subject; the student ticks it done, a guardian cannot', async () => {
    const p = f.settings.periods.find((x) => x.number === 4)!;
    const j = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const [l1, l2] = j.lessons;
    const hw = await call(t, f.math, 'PUT', `${base}/lessons/${l1!.id}/homework`, { text: '№ 245, 247' });
    assert.equal(hw.dueOn, l2!.date);
    assert.equal(hw.dueLessonId, l2!.id);
    await call(t, f.math, 'PATCH', `${base}/lessons/${l1!.id}`, { topic: 'Сложение дробей' });
    await call(t, f.student5a, 'PUT', `${base}/homework/${hw.id}/done`, { done: true }, 204);
    const list = await call(t, f.student5a, 'GET', `${base}/students/${f.student5a.personId}/homework?from=${l1!.date}`);
    assert.equal(list.homework.find((h: { id: string }) => h.id === hw.id).done, true);
    assert.equal(
      (await t.request('PUT', `${base}/homework/${hw.id}/done`, { token: f.guardian5a.token, body: { done: true } })).json().error.code,
      'homework_done_students_only',
    );
    assert.equal((await t.request('PUT', `${base}/homework/${hw.id}/done`, { token: f.guardian6b.token, body: { done: true } })).statusCode, 404);
    const week: DiaryWeek = await call(t, f.guardian5a, 'GET', `${base}/students/${f.student5a.personId}/week?date=${l2!.date}`);
    assert.ok(week.homeworkDue.some((h) => h.id === hw.id && h.text === '№ 245, 247'));
    const wk1: DiaryWeek = await call(t, f.guardian5a, 'GET', `${base}/students/${f.student5a.personId}/week?date=${l1!.date}`);
    assert.equal(wk1.days.flatMap((d) => d.lessons).find((l) => l.id === l1!.id)!.topic, 'Сложение дробей');
  });

  it("files set with homework are read under the diary's rule: the class's families and staff, no one else", async () => {
    const p = f.settings.periods.find((x) => x.number === 4)!;
    const j = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const lesson = j.lessons[3]!;
    const classChat = (await call(t, f.math, 'GET', '/api/v1/chats')).chats.find(
      (c: { kind: string; classId: string }) => c.kind === 'class' && c.classId === f.c5a,
    );
    const up = await upload(t, f.math.token, classChat.id, 'задачи.pdf', MINIMAL_PDF, 'application/pdf');
    assert.equal(up.statusCode, 201, up.body);
    const fileId = up.json().id as string;
    const get = (w: { token: string }) => t.request('GET', `/api/v1/files/${fileId}`, { token: w.token });
    // A loose upload is its uploader's alone.
    assert.equal((await get(f.student5a)).statusCode, 404);
    const hw = await call(t, f.math, 'PUT', `${base}/lessons/${lesson.id}/homework`, { text: 'Решить задачи из файла', fileIds: [fileId] });
    const listed = (await call(t, f.student5a, 'GET', `${base}/students/${f.student5a.personId}/homework?from=${lesson.date}`)).homework.find(
      (h: { id: string }) => h.id === hw.id,
    );
    assert.deepEqual(
      listed.files.map((x: { id: string; name: string }) => x.name),
      ['задачи.pdf'],
    );
    for (const w of [f.student5a, f.guardian5a, f.ct5a, f.admin, f.math]) assert.equal((await get(w)).statusCode, 200);
    for (const w of [f.guardian6b, f.outsider]) {
      const res = await get(w);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'file_not_found');
    }
    // Homework removed: its files are no longer the class's to read.
    await call(t, f.math, 'DELETE', `${base}/lessons/${lesson.id}/homework`, undefined, 204);
    assert.equal((await get(f.student5a)).statusCode, 404);
  });

  it("a grade reaches the family's stream live; the week and the grades by subject show it with the average", async () => {
    const p = f.settings.periods.find((x) => x.number === 4)!;
    const j: Journal = await journalOf(t, f, f.math, f.subjects.math, p.id);
    const before = (await call(t, f.guardian5a, 'GET', '/api/v1/updates?after=0')).position as number;
    const lesson = j.lessons[2]!;
    await call(t, f.math, 'PUT', `${base}/lessons/${lesson.id}/grades/${f.student5a.personId}`, { value: '5' });
    const updates: Update[] = (await call(t, f.guardian5a, 'GET', `/api/v1/updates?after=${before}`)).updates;
    const u = updates.find((x) => x.type === 'diary.grade');
    assert.ok(u && u.type === 'diary.grade' && u.grade?.value === '5');
    // A classmate's family is not told.
    const other = (await call(t, f.guardian6b, 'GET', `/api/v1/updates?after=${before}`)).updates as Update[];
    assert.ok(!other.some((x) => x.type === 'diary.grade'));
    const grades = await call(t, f.guardian5a, 'GET', `${base}/students/${f.student5a.personId}/grades?periodId=${p.id}`);
    const maths = grades.subjects.find((s: { subject: { id: string } }) => s.subject.id === f.subjects.math);
    assert.equal(maths.average, 5);
    assert.equal(maths.teacher.id, f.math.personId);
  });

  it('a weekly sign-off per family, seen by the class teacher', async () => {
    const week = `${f.yearStart + 1}-04-06`;
    await call(t, f.guardian5a, 'POST', `${base}/students/${f.student5a.personId}/signoff`, { weekStart: week }, 204);
    const o = await call(t, f.ct5a, 'GET', `${base}/classes/${f.c5a}/signoffs?week=${week}`);
    const fam = o.families.find((x: { studentId: string }) => x.studentId === f.student5a.personId);
    assert.equal(fam.signedBy[0].id, f.guardian5a.personId);
    assert.equal(o.families.filter((x: { signedAt: string | null }) => x.signedAt).length, 1);
    const w: DiaryWeek = await call(t, f.student5a, 'GET', `${base}/students/${f.student5a.personId}/week?date=${week}`);
    assert.equal(w.signedOff, true);
  });

  it("a private calendar feed of the children's timetable and homework, revocable", async () => {
    const on = await call(t, f.guardian5a, 'POST', `${base}/calendar`, undefined, 201);
    const path = new URL(on.url).pathname;
    const res = await t.request('GET', path);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/calendar/);
    assert.match(res.body, /BEGIN:VCALENDAR/);
    const week: DiaryWeek = await call(t, f.guardian5a, 'GET', `${base}/students/${f.student5a.personId}/week`);
    if (week.days.some((d) => d.lessons.length > 0)) assert.match(res.body, /SUMMARY:Математика/);
    const again = await call(t, f.guardian5a, 'POST', `${base}/calendar`, undefined, 201);
    assert.equal((await t.request('GET', path)).statusCode, 404, 'turning it on again revokes the old URL');
    await call(t, f.guardian5a, 'DELETE', `${base}/calendar`, undefined, 204);
    const gone = await t.request('GET', new URL(again.url).pathname);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, 'calendar_not_found');
  });

  it('bad set-up input is refused with a code and changes nothing', async () => {
    const bad = await t.request('PUT', `${base}/periods`, {
      token: f.admin.token,
      body: { kind: 'quarter', periods: [{ name: 'x', startsOn: `${f.yearStart}-09-01`, endsOn: `${f.yearStart}-12-01` }] },
    });
    assert.equal(bad.json().error.code, 'period_invalid');
    assert.equal((await call(t, f.admin, 'GET', `${base}/settings`)).periods.length, 4);
    const clash = await t.request('PUT', `${base}/classes/${f.c5a}/timetable`, {
      token: f.admin.token,
      body: {
        validFrom: `${f.yearStart}-09-01`,
        slots: [
          { weekday: 1, lessonNo: 1, subjectId: f.subjects.math },
          { weekday: 1, lessonNo: 1, subjectId: f.subjects.russian },
        ],
      },
    });
    assert.equal(clash.json().error.code, 'timetable_invalid');
    const j = await journalOf(t, f, f.math, f.subjects.math, firstPeriod(f).id);
    assert.ok(j.lessons.length >= 20);
  });
});

describe('diary: averages and the timetable plan', () => {
  it('weighted average in one place; suggestion rounds half up', () => {
    assert.equal(
      weightedAverage([
        { value: '5', weight: 1 },
        { value: '4', weight: 2 },
        { value: 'debt', weight: 5 },
      ]),
      4.33,
    );
    assert.equal(weightedAverage([{ value: 'pass', weight: 1 }]), null);
    assert.equal(suggestedMark('2-5', 4.5), '5');
    assert.equal(suggestedMark('2-5', 4.49), '4');
    assert.equal(normaliseGrade('2-5', ' 5 '), '5');
    assert.equal(normaliseGrade('2-5', '1'), null);
    assert.equal(normaliseGrade('1-100', '100'), '100');
    assert.equal(normaliseGrade('pass', 'н/з'), 'fail');
  });

  it('the template valid on a date is the latest before it; holidays take lessons away', () => {
    const slot = (weekday: number, subject: string) => ({
      id: subject,
      timetable_id: 't',
      weekday,
      lesson_no: 1,
      subject_id: subject,
      teacher_id: null,
      room: null,
      group_no: null,
    });
    const plan = planLessons(
      {
        templates: [
          { validFrom: '2026-09-01', slots: [slot(1, 'a')] },
          { validFrom: '2026-09-14', slots: [slot(1, 'b')] },
        ],
        changes: [],
        holidays: [{ startsOn: '2026-09-21', endsOn: '2026-09-27' }],
      },
      '2026-09-01',
      '2026-09-30',
    );
    assert.deepEqual(
      plan.map((p) => [p.date, p.subjectId]),
      [
        ['2026-09-07', 'a'],
        ['2026-09-14', 'b'],
        ['2026-09-28', 'b'],
      ],
    );
  });
});
