/**
 * The diary's hot paths, through the real app (HTTP handled in-process by Fastify's inject, so the
 * figures are server time: routing, access checks, queries, serialisation), on PGlite unless
 * DATABASE_URL is set.
 *
 *   npm run bench:diary
 *   npm run bench:diary -- --runs 100
 *
 * Prints p50/p95/max of: the journal of a class of 30 over a period of ~60 lessons of one subject
 * (with a realistic number of grades and marks) in one request; a parent's week in one request;
 * and 30 grades typed in a row, each timed from the request to its saved answer.
 * Targets (issue 17): journal p95 ≤ 150 ms; every keystroke-to-saved < 100 ms p95.
 */
import { performance } from 'node:perf_hooks';
import { createTestApp } from '../apps/server/src/testing/harness.ts';
import { createPerson } from '../apps/server/src/directory/service.ts';
import { call, diaryFixture, firstPeriod } from '../apps/server/src/diary/test-fixture.ts';
import { args, Histogram } from './lib.ts';

const opt = args(process.argv.slice(2));
const RUNS = Number(opt.runs ?? 50);

const t = await createTestApp({ demo: true });
try {
  const f = await diaryFixture(t);
  const ctx = t.runtime.ctx;
  const base = `/api/v1/schools/${f.schoolId}/diary`;
  // A class of 30: the demo's 25 and five more.
  for (let i = 0; i < 5; i++)
    await createPerson(ctx, f.schoolId, { lastName: 'Новенький', firstName: `Ученик${i}`, roles: ['student'], birthDate: '2015-03-01', classId: f.c5a });
  // Maths every day, twice on Monday, Wednesday and Friday: about 60 lessons in the first quarter.
  const slots = [1, 2, 3, 4, 5].flatMap((weekday) => [
    { weekday, lessonNo: 1, subjectId: f.subjects.math, teacherId: f.math.personId, room: '21' },
    ...([1, 3, 5].includes(weekday) ? [{ weekday, lessonNo: 4, subjectId: f.subjects.math, teacherId: f.math.personId, room: '21' }] : []),
    { weekday, lessonNo: 2, subjectId: f.subjects.russian, teacherId: f.ct5a.personId, room: '14' },
  ]);
  await call(t, f.admin, 'PUT', `${base}/classes/${f.c5a}/timetable`, { validFrom: `${f.yearStart}-09-01`, slots }, 204);
  const period = firstPeriod(f);
  const lessons = await ctx.db
    .selectFrom('lessons')
    .select(['id', 'on_date'])
    .where('class_id', '=', f.c5a)
    .where('subject_id', '=', f.subjects.math)
    .where('on_date', '>=', period.startsOn)
    .where('on_date', '<=', period.endsOn)
    .orderBy('on_date')
    .execute();
  const students = await ctx.db.selectFrom('enrolments').select('student_id').where('class_id', '=', f.c5a).where('left_at', 'is', null).execute();
  // About a third of the cells graded, a few marks of attendance, homework at every lesson.
  const grades = [];
  const marks = [];
  let k = 0;
  for (const l of lessons) {
    for (const s of students) {
      k++;
      if (k % 3 === 0)
        grades.push({ lesson_id: l.id, student_id: s.student_id, value: String(2 + (k % 4)), work_type_id: null, comment: null, set_by: f.math.personId });
      if (k % 29 === 0) marks.push({ lesson_id: l.id, student_id: s.student_id, status: 'absent' as const, notice_id: null, set_by: f.math.personId });
    }
  }
  for (let i = 0; i < grades.length; i += 500)
    await ctx.db
      .insertInto('grades')
      .values(grades.slice(i, i + 500))
      .execute();
  await ctx.db.insertInto('attendance').values(marks).execute();
  await ctx.db
    .insertInto('homework')
    .values(
      lessons.slice(0, -1).map((l, i) => ({
        lesson_id: l.id,
        due_lesson_id: lessons[i + 1]!.id,
        due_on: lessons[i + 1]!.on_date,
        text: `№ ${100 + i}`,
        set_by: f.math.personId,
      })),
    )
    .execute();

  const time = async (h: Histogram, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    h.add(performance.now() - t0);
  };
  const row = (label: string, h: Histogram, target?: string) =>
    console.log(
      `${label.padEnd(44)} n=${String(h.count).padStart(4)}  p50 ${h.percentile(50).toFixed(1).padStart(6)} ms  p95 ${h.percentile(95).toFixed(1).padStart(6)} ms  max ${h.percentile(100).toFixed(1).padStart(6)} ms${target ? `  (target ${target})` : ''}`,
    );

  const journalUrl = `${base}/journal?classId=${f.c5a}&subjectId=${f.subjects.math}&periodId=${period.id}`;
  const first = await call(t, f.math, 'GET', journalUrl);
  console.log(
    `database: ${ctx.dbKind}; journal: ${first.students.length} students × ${first.lessons.length} lessons, ${first.grades.length} grades, ${first.attendance.length} marks`,
  );
  for (let i = 0; i < 5; i++) await call(t, f.math, 'GET', journalUrl); // warm-up

  const journal = new Histogram();
  for (let i = 0; i < RUNS; i++) await time(journal, () => call(t, f.math, 'GET', journalUrl));
  row('journal of a class, one request', journal, 'p95 ≤ 150 ms');

  const weekUrl = `${base}/students/${f.student5a.personId}/week?date=${lessons[10]!.on_date}`;
  for (let i = 0; i < 5; i++) await call(t, f.guardian5a, 'GET', weekUrl);
  const week = new Histogram();
  for (let i = 0; i < RUNS; i++) await time(week, () => call(t, f.guardian5a, 'GET', weekUrl));
  row("a parent's week, one request", week);

  const typed = new Histogram();
  for (let run = 0; run < 3; run++) {
    const lesson = lessons[20 + run]!;
    for (const s of students)
      await time(typed, () => call(t, f.math, 'PUT', `${base}/lessons/${lesson.id}/grades/${s.student_id}`, { value: String(3 + ((run + typed.count) % 3)) }));
  }
  row('30 grades in a row, each typed → saved', typed, 'p95 < 100 ms');
} finally {
  await t.close();
}
