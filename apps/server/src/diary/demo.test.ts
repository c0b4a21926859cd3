import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DiaryGrades, DiaryWeek, Journal } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { call, who } from './test-fixture.ts';
import { todayIn } from './dates.ts';

describe('diary: the demo school', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ demo: 'full' });
  });
  after(() => t.close());

  it("a demo parent's diary is full on first start; the maths teacher's journal has the quarter", async () => {
    const parent = await who(t, DEMO_PHONES.guardian5A);
    const child = parent.childIds[0]!;
    const base = `/api/v1/schools/${parent.schoolId}/diary`;
    const grades: DiaryGrades = await call(t, parent, 'GET', `${base}/students/${child}/grades`);
    const today = todayIn('Europe/Moscow');
    const inTerm = grades.period !== null && grades.period.startsOn < today;
    assert.ok(grades.subjects.length >= 6, 'every subject of 5А');
    if (inTerm) {
      assert.ok(grades.subjects.some((s) => s.grades.length > 0 && s.average !== null));
      const hw = await call(t, parent, 'GET', `${base}/students/${child}/homework?from=${grades.period!.startsOn}`);
      assert.ok(hw.homework.length > 0);
    }
    const week: DiaryWeek = await call(t, parent, 'GET', `${base}/students/${child}/week?date=${grades.period?.startsOn ?? today}`);
    assert.ok(week.days.some((d) => d.lessons.length >= 4));
    assert.ok(week.days.flatMap((d) => d.lessons).every((l) => l.startsAt && l.teacher && l.room));
    const maths = await who(t, DEMO_PHONES.subjectTeacher);
    const teaching = (await call(t, maths, 'GET', `${base}/teaching`)).teaching;
    assert.deepEqual(teaching.map((x: { className: string }) => x.className).sort(), ['5А', '6Б']);
    const j: Journal = await call(t, maths, 'GET', `${base}/journal?classId=${teaching[0].classId}&subjectId=${teaching[0].subjectId}`);
    assert.equal(j.students.length, 25);
    if (inTerm) assert.ok(j.lessons.some((l) => l.topic) && j.grades.length > 0);
  });
});
