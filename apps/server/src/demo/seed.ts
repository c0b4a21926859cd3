import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { assignTeacher, createClass, createPerson, createSchool } from '../directory/service.ts';
import { seedDemoDiary } from './diary.ts';
import { seedDemoChats } from './chats.ts';
import { DEMO_PHONES } from './phones.ts';
import { BOYS, GIRLS, LAST, MEN, PATRON_F, PATRON_M, WOMEN } from './names.ts';

/** The demo school's key people. Their phones are fixed: README and external checks rely on them. */
export { DEMO_PHONES };

const feminine = (last: string) => (last.endsWith('ий') ? `${last.slice(0, -2)}ая` : `${last}а`);
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
const phone = (prefix: string, n: number) => `+7900${prefix}${String(n).padStart(5, '0')}`;

async function seedClass(
  ctx: AppContext,
  schoolId: string,
  name: string,
  birthYear: number,
  index: number,
  fixed: { firstStudentPhone?: string; firstGuardianPhone: string },
) {
  const cls = await createClass(ctx, schoolId, { name });
  for (let i = 0; i < 25; i++) {
    const seed = index * 100 + i;
    const last = pick(LAST, seed * 7 + index);
    const girl = i % 2 === 1;
    const fatherName = pick(MEN, seed);
    const student = await createPerson(ctx, schoolId, {
      lastName: girl ? feminine(last) : last,
      firstName: girl ? pick(GIRLS, seed) : pick(BOYS, seed),
      middleName: girl ? pick(PATRON_F, seed) : pick(PATRON_M, seed),
      roles: ['student'],
      birthDate: `${birthYear}-${String((i % 8) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
      phone: i === 0 && fixed.firstStudentPhone ? fixed.firstStudentPhone : i % 3 === 0 ? phone(`1${index}`, i + 1) : null,
      classId: cls.id,
    });
    // The mother of every child; a father too for every third.
    await createPerson(ctx, schoolId, {
      lastName: feminine(last),
      firstName: pick(WOMEN, seed),
      middleName: pick(PATRON_F, seed + 3),
      roles: ['guardian'],
      phone: i === 0 ? fixed.firstGuardianPhone : phone(`2${index}`, i + 1),
      childIds: [student.id],
    });
    if (i % 3 === 0) {
      await createPerson(ctx, schoolId, {
        lastName: last,
        firstName: fatherName,
        middleName: pick(PATRON_M, seed + 5),
        roles: ['guardian'],
        phone: phone(`3${index}`, i + 1),
        childIds: [student.id],
      });
    }
  }
  return cls;
}

/**
 * Creates the demo school on an empty database. Returns false when there is a school already.
 * `full` (the server's start and `demo:seed`) adds the diary's timetables and a quarter of lessons;
 * tests' apps take the roster only, which keeps them fast. `chats` adds a week of 5А's life to its
 * chats (demo/chats.ts).
 */
export async function seedDemo(ctx: AppContext, options: { full?: boolean; chats?: boolean } = {}): Promise<boolean> {
  const existing = await ctx.db.selectFrom('schools').select('id').limit(1).executeTakeFirst();
  if (existing) return false;
  const school = await createSchool(ctx, {
    name: 'Школа № 1 (демо)',
    shortName: 'Школа № 1',
    timezone: 'Europe/Moscow',
    admin: { lastName: 'Орлова', firstName: 'Марина', middleName: 'Викторовна', phone: DEMO_PHONES.admin },
  });
  try {
    await seedPeople(ctx, school.id);
    if (options.full) await seedDemoDiary(ctx, school.id);
    if (options.chats) await seedDemoChats(ctx, school.id);
  } catch (err) {
    ctx.log.error({ err }, 'the demo school could not be created');
    try {
      await discardDemoSchool(ctx, school.id);
    } catch (cleanupErr) {
      ctx.log.error({ err: cleanupErr }, 'the half-made demo school could not be removed');
    }
    throw err;
  }
  return true;
}

/**
 * Removes a demo school whose seeding failed, with everything made for it, so that the next start
 * seeds it again. The seed runs only on a database with no school, so the school's data is all the
 * school data there is: every table that refers to schools, directly or through another, is emptied
 * in one statement (no order of deletes to keep in step with the migrations). Should another school
 * have appeared meanwhile (a second process seeding too), only this school's row is deleted.
 */
export async function discardDemoSchool(ctx: AppContext, schoolId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await sql`lock table schools in access exclusive mode`.execute(trx);
    const others = await trx.selectFrom('schools').select('id').where('id', '<>', schoolId).limit(1).executeTakeFirst();
    if (others) await trx.deleteFrom('schools').where('id', '=', schoolId).execute();
    else await sql`truncate table schools cascade`.execute(trx);
  });
}

async function seedPeople(ctx: AppContext, schoolId: string) {
  const school = { id: schoolId };
  const teacher = (lastName: string, firstName: string, middleName: string, p: string) =>
    createPerson(ctx, school.id, { lastName, firstName, middleName, roles: ['teacher'], phone: p });
  const t5a = await teacher('Смирнова', 'Елена', 'Петровна', DEMO_PHONES.classTeacher5A);
  const t6b = await teacher('Кузнецов', 'Андрей', 'Игоревич', DEMO_PHONES.classTeacher6B);
  const math = await teacher('Белова', 'Ольга', 'Николаевна', DEMO_PHONES.subjectTeacher);

  const c5a = await seedClass(ctx, school.id, '5А', 2015, 1, { firstStudentPhone: DEMO_PHONES.student5A, firstGuardianPhone: DEMO_PHONES.guardian5A });
  const c6b = await seedClass(ctx, school.id, '6Б', 2014, 2, { firstGuardianPhone: DEMO_PHONES.guardian6B });
  await assignTeacher(ctx, school.id, c5a.id, { personId: t5a.id, subject: 'Русский язык', isClassTeacher: true });
  await assignTeacher(ctx, school.id, c6b.id, { personId: t6b.id, subject: 'История', isClassTeacher: true });
  for (const c of [c5a, c6b]) await assignTeacher(ctx, school.id, c.id, { personId: math.id, subject: 'Математика', isClassTeacher: false });
}

export const DEMO_GUIDE = `
Demo school created: «Школа № 1 (демо)», classes 5А and 6Б.
Sign in with one of these phones (the code is printed in this log; with PARTA_DEV=1 also at /api/v1/dev/sms):
  ${DEMO_PHONES.admin}  school admin (Орлова Марина Викторовна)
  ${DEMO_PHONES.classTeacher5A}  class teacher of 5А (Смирнова Елена Петровна)
  ${DEMO_PHONES.guardian5A}  guardian of a 5А student
  ${DEMO_PHONES.student5A}  a 5А student, aged 11
  ${DEMO_PHONES.guardian6B}  guardian of a 6Б student
  ${DEMO_PHONES.classTeacher6B}  class teacher of 6Б
  ${DEMO_PHONES.subjectTeacher}  maths teacher of 5А and 6Б
  +79000000008  English teacher of 5А and 6Б
  +79000000009  biology and PE teacher of 5А and 6Б
The diary (Дневник / Журнал) has the timetables of 5А and 6Б and this quarter's lessons up to today.
`;
