import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Update } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { BELLS, call, diaryFixture, firstPeriod, journalOf, quarters, type DiaryFixture, type Who } from './test-fixture.ts';

/**
 * The diary's authorisation matrix: every actor × every route. A refusal of what one may not see
 * is 404 with the same code a thing that does not exist gets; what one may see but not change is 403.
 * Then: the stream carries diary events only to those who may see them.
 */
const ACTORS = ['outsider', 'student', 'classmate', 'guardian', 'otherGuardian', 'maths', 'classTeacher', 'englishTeacher', 'admin'] as const;
type Actor = (typeof ACTORS)[number];
type Row = { name: string; method: string; url: string; body?: unknown; expect: Partial<Record<Actor, number>> & { rest: number }; missing?: string };

describe('diary: authorisation matrix', () => {
  let t: TestApp;
  let f: DiaryFixture;
  let actors: Record<Actor, Who>;
  let rows: Row[];
  const positions: Partial<Record<Actor, number>> = {};

  before(async () => {
    t = await createTestApp({ demo: true });
    f = await diaryFixture(t);
    actors = {
      outsider: f.outsider,
      student: f.student5a,
      classmate: f.classmate,
      guardian: f.guardian5a,
      otherGuardian: f.guardian6b,
      maths: f.math,
      classTeacher: f.ct5a,
      englishTeacher: f.ct6b,
      admin: f.admin,
    };
    const base = `/api/v1/schools/${f.schoolId}/diary`;
    const p1 = firstPeriod(f);
    const lesson = (await journalOf(t, f, f.math, f.subjects.math, p1.id)).lessons[4]!;
    const hw = await call(t, f.math, 'PUT', `${base}/lessons/${lesson.id}/homework`, { text: 'Выучить таблицу' });
    const s = f.student5a.personId;
    const y = f.yearStart;
    const school = { outsider: 404 };
    const adminOnly = { ...school, admin: 204, rest: 403 };
    const staffOfMaths = { maths: 200, classTeacher: 200, admin: 200, rest: 404 };
    const mathsEdit = (ok: number) => ({ maths: ok, classTeacher: 403, admin: 403, rest: 404 });
    const seesStudent = { student: 200, guardian: 200, maths: 200, classTeacher: 200, englishTeacher: 200, admin: 200, rest: 404 };
    const guardianOnly = (ok: number) => ({ ...school, guardian: ok, student: 403, maths: 403, classTeacher: 403, englishTeacher: 403, admin: 403, rest: 404 });
    const classStaff = { classTeacher: 200, admin: 200, rest: 404 };
    rows = [
      { name: 'settings', method: 'GET', url: `${base}/settings`, expect: { ...school, rest: 200 } },
      { name: 'teaching', method: 'GET', url: `${base}/teaching`, expect: { ...school, rest: 200 } },
      { name: 'patch settings', method: 'PATCH', url: `${base}/settings`, body: { scale: '2-5' }, expect: adminOnly },
      {
        name: 'work types',
        method: 'PUT',
        url: `${base}/work-types`,
        body: { workTypes: f.settings.workTypes.map(({ id, name, weight }) => ({ id, name, weight })) },
        expect: adminOnly,
      },
      { name: 'periods', method: 'PUT', url: `${base}/periods`, body: quarters(y), expect: adminOnly },
      { name: 'bells', method: 'PUT', url: `${base}/bells`, body: { bells: BELLS }, expect: adminOnly },
      { name: 'subject', method: 'POST', url: `${base}/subjects`, body: { name: 'Математика' }, expect: { ...adminOnly, admin: 201 } },
      {
        name: 'add teaching',
        method: 'POST',
        url: `${base}/classes/${f.c5a}/teaching`,
        body: { personId: f.math.personId, subjectId: f.subjects.math },
        expect: adminOnly,
      },
      { name: 'remove teaching', method: 'DELETE', url: `${base}/classes/${f.c5a}/teaching/${f.ct5a.personId}/${f.subjects.history}`, expect: adminOnly },
      { name: 'groups', method: 'PUT', url: `${base}/classes/${f.c5a}/groups`, body: { subjectId: f.subjects.english, groups: [] }, expect: adminOnly },
      { name: 'timetable', method: 'PUT', url: `${base}/classes/${f.c5a}/timetable`, body: { validFrom: `${y + 1}-08-20`, slots: [] }, expect: adminOnly },
      {
        name: 'add change',
        method: 'POST',
        url: `${base}/classes/${f.c5a}/changes`,
        body: { date: `${y + 1}-08-25`, lessonNo: 1, kind: 'room', room: '1' },
        expect: { ...adminOnly, admin: 201 },
      },
      { name: 'remove change', method: 'DELETE', url: `${base}/classes/${f.c5a}/changes/${crypto.randomUUID()}`, expect: { ...adminOnly, admin: 404 } },
      { name: 'grade history', method: 'GET', url: `${base}/grade-history?classId=${f.c5a}`, expect: { ...adminOnly, admin: 200 } },
      {
        name: 'class timetable',
        method: 'GET',
        url: `${base}/classes/${f.c5a}/timetable`,
        expect: { ...school, otherGuardian: 404, rest: 200 },
        missing: `${base}/classes/${crypto.randomUUID()}/timetable`,
      },
      {
        name: 'journal',
        method: 'GET',
        url: `${base}/journal?classId=${f.c5a}&subjectId=${f.subjects.math}`,
        expect: staffOfMaths,
        missing: `${base}/journal?classId=${crypto.randomUUID()}&subjectId=${f.subjects.math}`,
      },
      { name: 'lesson topic', method: 'PATCH', url: `${base}/lessons/${lesson.id}`, body: { topic: 'Умножение' }, expect: mathsEdit(200) },
      { name: 'set homework', method: 'PUT', url: `${base}/lessons/${lesson.id}/homework`, body: { text: 'Стр. 12' }, expect: mathsEdit(200) },
      { name: 'grade', method: 'PUT', url: `${base}/lessons/${lesson.id}/grades/${s}`, body: { value: '5' }, expect: mathsEdit(200) },
      { name: 'remove grade', method: 'DELETE', url: `${base}/lessons/${lesson.id}/grades/${s}`, expect: mathsEdit(204) },
      { name: 'grade again', method: 'PUT', url: `${base}/lessons/${lesson.id}/grades/${s}`, body: { value: '4' }, expect: mathsEdit(200) },
      {
        name: 'attendance',
        method: 'PUT',
        url: `${base}/lessons/${lesson.id}/attendance`,
        body: { marks: [{ studentId: s, status: 'late' }] },
        expect: { maths: 204, classTeacher: 204, admin: 403, rest: 404 },
      },
      {
        name: 'final mark',
        method: 'PUT',
        url: `${base}/final-marks`,
        body: { studentId: s, subjectId: f.subjects.math, periodId: p1.id, value: '5' },
        expect: mathsEdit(200),
      },
      { name: 'week', method: 'GET', url: `${base}/students/${s}/week`, expect: seesStudent, missing: `${base}/students/${crypto.randomUUID()}/week` },
      { name: 'grades', method: 'GET', url: `${base}/students/${s}/grades`, expect: seesStudent, missing: `${base}/students/${crypto.randomUUID()}/grades` },
      { name: 'homework list', method: 'GET', url: `${base}/students/${s}/homework`, expect: seesStudent },
      { name: 'attendance summary', method: 'GET', url: `${base}/students/${s}/attendance`, expect: seesStudent },
      { name: 'absence list', method: 'GET', url: `${base}/students/${s}/absences`, expect: seesStudent },
      {
        name: 'homework done',
        method: 'PUT',
        url: `${base}/homework/${hw.id}/done`,
        body: { done: true },
        expect: { student: 204, classmate: 204, guardian: 403, rest: 404 },
        missing: `${base}/homework/${crypto.randomUUID()}/done`,
      },
      {
        name: 'announce absence',
        method: 'POST',
        url: `${base}/students/${s}/absences`,
        body: { fromDate: `${y + 1}-04-20`, toDate: `${y + 1}-04-21`, reason: 'family' },
        expect: guardianOnly(201),
      },
      {
        name: 'class absences',
        method: 'GET',
        url: `${base}/classes/${f.c5a}/absences`,
        expect: classStaff,
        missing: `${base}/classes/${crypto.randomUUID()}/absences`,
      },
      { name: 'sign off', method: 'POST', url: `${base}/students/${s}/signoff`, body: { weekStart: `${y + 1}-04-20` }, expect: guardianOnly(204) },
      { name: 'class sign-offs', method: 'GET', url: `${base}/classes/${f.c5a}/signoffs`, expect: classStaff },
      { name: 'calendar on', method: 'POST', url: `${base}/calendar`, expect: { ...school, rest: 201 } },
      { name: 'calendar off', method: 'DELETE', url: `${base}/calendar`, expect: { ...school, rest: 204 } },
    ];
    for (const a of ACTORS) positions[a] = (await call(t, actors[a], 'GET', '/api/v1/updates?after=0')).position;
  });
  after(() => t.close());

  it('every actor × every route gets exactly its answer; refusals of what one may not see look like what does not exist', async () => {
    const wrong: string[] = [];
    for (const row of rows) {
      for (const a of ACTORS) {
        const expected = row.expect[a] ?? row.expect.rest;
        const res = await t.request(row.method, row.url, { token: actors[a].token, body: row.body });
        if (res.statusCode !== expected) wrong.push(`${row.name} as ${a}: ${res.statusCode} (expected ${expected}) ${res.body.slice(0, 120)}`);
        if (expected === 404 && row.missing && res.statusCode === 404 && a !== 'outsider') {
          const ghost = await t.request(row.method, row.missing, { token: actors[a].token, body: row.body });
          if (ghost.statusCode !== 404 || ghost.json().error.code !== res.json().error.code)
            wrong.push(`${row.name} as ${a}: refusal ${res.json().error.code} differs from a missing one ${ghost.statusCode} ${ghost.body.slice(0, 80)}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('diary events reach only those who may see them', async () => {
    const seen: Record<string, Update[]> = {};
    for (const a of ACTORS)
      seen[a] = (await call(t, actors[a], 'GET', `/api/v1/updates?after=${positions[a]}`)).updates.filter((u: Update) => u.type.startsWith('diary.'));
    const about = (a: Actor) => seen[a]!.filter((u) => 'studentId' in u && u.studentId === f.student5a.personId).map((u) => u.type);
    // The school admin sees the whole school's diary, so her open journals follow it live too.
    for (const a of ['student', 'guardian', 'maths', 'classTeacher', 'admin'] as const)
      assert.ok(about(a).includes('diary.grade'), `${a} is told of the grade`);
    assert.ok(about('classTeacher').includes('diary.absence'));
    assert.ok(about('classTeacher').includes('diary.signoff'));
    for (const a of ['outsider', 'classmate', 'otherGuardian', 'englishTeacher'] as const)
      assert.deepEqual(about(a), [], `${a} hears nothing of another student`);
    assert.deepEqual(seen.outsider, []);
    assert.deepEqual(seen.otherGuardian, []);
    // A class-wide event (homework) reaches the class, not the other class's family.
    assert.ok(seen.classmate!.some((u) => u.type === 'diary.homework'));
  });
});
