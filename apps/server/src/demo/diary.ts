import type { AppContext } from '../context.ts';
import { createPerson } from '../directory/service.ts';
import { academicYearFor } from '../directory/service.ts';
import { addTeaching, createSubject, setBells, setPeriods, setTimetable } from '../diary/setup.ts';
import { workTypes } from '../diary/store.ts';
import { addDays, todayIn } from '../diary/dates.ts';

/**
 * The demo school's diary: quarters and holidays, bells, the timetables of 5А and 6Б (set up
 * through the same commands the admin's API uses), and the current quarter's lessons up to today
 * with topics, homework, grades and a few absences, so a demo parent's diary is full at once.
 * Lesson content is written in bulk: it stands for weeks of teachers' work.
 */

const TOPICS: Record<string, string[]> = {
  Математика: [
    'Сложение дробей',
    'Вычитание дробей',
    'Смешанные числа',
    'Десятичные дроби',
    'Округление чисел',
    'Умножение десятичных дробей',
    'Деление на натуральное число',
    'Среднее арифметическое',
    'Проценты',
    'Решение задач на проценты',
    'Контрольная работа',
    'Работа над ошибками',
  ],
  'Русский язык': [
    'Имя существительное',
    'Падежи',
    'Склонение существительных',
    'Имя прилагательное',
    'Глагол',
    'Правописание -тся и -ться',
    'Словарный диктант',
    'Изложение',
    'Сочинение по картине',
    'Диктант',
    'Работа над ошибками',
  ],
  Литература: ['Сказки Пушкина', 'Басни Крылова', 'Лермонтов «Бородино»', 'Гоголь «Вечера на хуторе»', 'Тургенев «Муму»', 'Стихи о природе'],
  История: ['Древний Египет', 'Древняя Индия', 'Древний Китай', 'Древняя Греция', 'Афины и Спарта', 'Греко-персидские войны'],
  'Английский язык': ['My family', 'Present Simple', 'At school', 'Present Continuous', 'Vocabulary test', 'Reading: London'],
  Биология: ['Клетка', 'Ткани растений', 'Корень', 'Лист', 'Стебель'],
  Физкультура: ['Лёгкая атлетика', 'Баскетбол', 'Гимнастика', 'Лыжная подготовка'],
};
const HOMEWORK: Record<string, string[]> = {
  Математика: ['№ 512, 514', '№ 530 (а, б), 533', 'Стр. 84, правило; № 541', '№ 560–563', 'Подготовиться к контрольной: № 590'],
  'Русский язык': ['Упр. 245', 'Упр. 251, выучить правило', 'Словарные слова, стр. 112', 'Упр. 268 (письменно)', 'Сочинение «Зимний день», 10 предложений'],
  Литература: ['Выучить наизусть отрывок', 'Прочитать главы 1–3', 'Ответить на вопросы стр. 56', 'Нарисовать иллюстрацию'],
  История: ['§ 12, вопросы 1–3', '§ 13, карта', '§ 14, сообщение', '§ 15, таблица'],
  'Английский язык': ['Ex. 5, p. 34', 'Learn the words, p. 40', 'Ex. 3, p. 46 (writing)', 'Read the text, p. 52'],
  Биология: ['§ 8, рисунок в тетради', '§ 9, вопросы', '§ 10, таблица'],
};

/** A small deterministic generator: the demo is the same on every start. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Quarters and holidays of the academic year starting in `y`, as a Russian school has them. */
export function quarters(y: number) {
  return {
    kind: 'quarter' as const,
    periods: [
      { name: '1 четверть', startsOn: `${y}-09-01`, endsOn: `${y}-10-25` },
      { name: '2 четверть', startsOn: `${y}-11-05`, endsOn: `${y}-12-28` },
      { name: '3 четверть', startsOn: `${y + 1}-01-12`, endsOn: `${y + 1}-03-22` },
      { name: '4 четверть', startsOn: `${y + 1}-04-01`, endsOn: `${y + 1}-05-26` },
    ],
    holidays: [
      { name: 'Осенние каникулы', startsOn: `${y}-10-26`, endsOn: `${y}-11-04` },
      { name: 'Зимние каникулы', startsOn: `${y}-12-29`, endsOn: `${y + 1}-01-11` },
      { name: 'Весенние каникулы', startsOn: `${y + 1}-03-23`, endsOn: `${y + 1}-03-31` },
    ],
  };
}

export async function seedDemoDiary(ctx: AppContext, schoolId: string): Promise<void> {
  const y = Number(academicYearFor().startsOn.slice(0, 4));
  await setPeriods(ctx, schoolId, quarters(y));
  const times = [
    ['08:30', '09:15'],
    ['09:25', '10:10'],
    ['10:30', '11:15'],
    ['11:35', '12:20'],
    ['12:30', '13:15'],
    ['13:25', '14:10'],
  ];
  const second = [
    ['14:00', '14:45'],
    ['14:55', '15:40'],
    ['15:50', '16:35'],
    ['16:45', '17:30'],
    ['17:40', '18:25'],
  ];
  await setBells(ctx, schoolId, {
    bells: [
      ...times.map(([s, e], i) => ({ shift: 1, lessonNo: i + 1, startsAt: s!, endsAt: e! })),
      ...second.map(([s, e], i) => ({ shift: 2, lessonNo: i + 1, startsAt: s!, endsAt: e! })),
    ],
  });

  const person = (last: string, first: string, middle: string, phone: string) =>
    ctx.db
      .selectFrom('persons')
      .select('id')
      .where('school_id', '=', schoolId)
      .where('phone', '=', phone)
      .executeTakeFirst()
      .then(async (p) => p ?? createPerson(ctx, schoolId, { lastName: last, firstName: first, middleName: middle, roles: ['teacher'], phone }));
  const [ct5a, ct6b, math, english, bio] = await Promise.all([
    person('Смирнова', 'Елена', 'Петровна', '+79000000002'),
    person('Кузнецов', 'Андрей', 'Игоревич', '+79000000006'),
    person('Белова', 'Ольга', 'Николаевна', '+79000000007'),
    person('Соколова', 'Анна', 'Сергеевна', '+79000000008'),
    person('Морозов', 'Павел', 'Олегович', '+79000000009'),
  ]);
  const names = ['Математика', 'Русский язык', 'Литература', 'История', 'Английский язык', 'Биология', 'Физкультура'];
  const subj: Record<string, string> = {};
  for (const n of names) subj[n] = (await createSubject(ctx, schoolId, n)).id;
  const classes = await ctx.db.selectFrom('classes').select(['id', 'name']).where('school_id', '=', schoolId).execute();
  const c5a = classes.find((c) => c.name === '5А')!.id;
  const c6b = classes.find((c) => c.name === '6Б')!.id;
  const teach: [string, string, string][] = [
    [c5a, ct5a.id, 'Русский язык'],
    [c5a, ct5a.id, 'Литература'],
    [c5a, math.id, 'Математика'],
    [c5a, english.id, 'Английский язык'],
    [c5a, bio.id, 'Биология'],
    [c5a, bio.id, 'Физкультура'],
    [c5a, ct6b.id, 'История'],
    [c6b, ct6b.id, 'История'],
    [c6b, math.id, 'Математика'],
    [c6b, ct5a.id, 'Русский язык'],
    [c6b, ct5a.id, 'Литература'],
    [c6b, english.id, 'Английский язык'],
    [c6b, bio.id, 'Биология'],
    [c6b, bio.id, 'Физкультура'],
  ];
  for (const [c, p, s] of teach) await addTeaching(ctx, schoolId, c, p, subj[s]!);
  const teacherOf: Record<string, string> = {
    'Русский язык': ct5a.id,
    Литература: ct5a.id,
    Математика: math.id,
    'Английский язык': english.id,
    Биология: bio.id,
    Физкультура: bio.id,
    История: ct6b.id,
  };
  const rooms: Record<string, string> = {
    'Русский язык': '14',
    Литература: '14',
    Математика: '21',
    'Английский язык': '30',
    Биология: '18',
    Физкультура: 'спортзал',
    История: '25',
  };
  const week5a = [
    ['Математика', 'Русский язык', 'Литература', 'Английский язык', 'Физкультура'],
    ['Русский язык', 'Математика', 'История', 'Биология', 'Литература'],
    ['Математика', 'Русский язык', 'Английский язык', 'Физкультура', 'История'],
    ['Русский язык', 'Математика', 'Литература', 'Биология'],
    ['Математика', 'Русский язык', 'Английский язык', 'История', 'Физкультура'],
  ];
  const week6b = [
    ['История', 'Математика', 'Русский язык', 'Биология'],
    ['Математика', 'Английский язык', 'Русский язык', 'Литература', 'Физкультура'],
    ['Русский язык', 'История', 'Математика', 'Биология'],
    ['Математика', 'Русский язык', 'Английский язык', 'Физкультура', 'Литература'],
    ['История', 'Математика', 'Русский язык', 'Английский язык'],
  ];
  const slots = (week: string[][]) =>
    week.flatMap((day, d) => day.map((s, i) => ({ weekday: d + 1, lessonNo: i + 1, subjectId: subj[s]!, teacherId: teacherOf[s]!, room: rooms[s]! })));
  const admin = await ctx.db.selectFrom('persons').select('id').where('school_id', '=', schoolId).where('phone', '=', '+79000000001').executeTakeFirstOrThrow();
  await setTimetable(ctx, schoolId, c5a, admin.id, { validFrom: `${y}-09-01`, shift: 1, slots: slots(week5a) });
  await setTimetable(ctx, schoolId, c6b, admin.id, { validFrom: `${y}-09-01`, shift: 1, slots: slots(week6b) });

  const school = await ctx.db.selectFrom('schools').select('timezone').where('id', '=', schoolId).executeTakeFirstOrThrow();
  const today = todayIn(school.timezone);
  const periods = await ctx.db.selectFrom('reporting_periods').selectAll().where('school_id', '=', schoolId).orderBy('starts_on').execute();
  const period = periods.find((p) => p.starts_on <= today && today <= p.ends_on) ?? [...periods].reverse().find((p) => p.starts_on <= today) ?? periods[0]!;
  const from = period.starts_on;
  const to = period.ends_on < today ? period.ends_on : today;
  const wt = await workTypes(ctx.db, schoolId);
  const byName = (prefix: string) => wt.find((w) => w.name.startsWith(prefix))?.id ?? wt[0]!.id;
  for (const [ci, classId] of [c5a, c6b].entries())
    await fillLessons(ctx, schoolId, classId, from, to, rng(ci + 7), { test: byName('Контрольная'), answer: byName('Ответ'), homework: byName('Домашняя') });
}

async function fillLessons(
  ctx: AppContext,
  schoolId: string,
  classId: string,
  from: string,
  to: string,
  rand: () => number,
  wt: { test: string; answer: string; homework: string },
) {
  const [lessons, students, subjects] = await Promise.all([
    ctx.db
      .selectFrom('lessons')
      .selectAll()
      .where('class_id', '=', classId)
      .where('on_date', '>=', from)
      .where('on_date', '<=', addDays(to, 14))
      .orderBy('on_date')
      .orderBy('lesson_no')
      .execute(),
    ctx.db.selectFrom('enrolments').select('student_id').where('class_id', '=', classId).where('left_at', 'is', null).execute(),
    ctx.db.selectFrom('subjects').select(['id', 'name']).where('school_id', '=', schoolId).execute(),
  ]);
  const name = (id: string) => subjects.find((s) => s.id === id)!.name;
  const count: Record<string, number> = {};
  const grades = [];
  const changes = [];
  const attendance = [];
  const homework = [];
  const past = lessons.filter((l) => l.on_date <= to);
  for (const l of past) {
    const s = name(l.subject_id);
    const n = (count[s] = (count[s] ?? 0) + 1);
    const topics = TOPICS[s] ?? [];
    const isTest = s !== 'Физкультура' && n % 8 === 0;
    await ctx.db
      .updateTable('lessons')
      .set({ topic: topics.length ? topics[(n - 1) % topics.length]! : null, work_type_id: isTest ? wt.test : null })
      .where('id', '=', l.id)
      .execute();
    const hw = HOMEWORK[s];
    if (hw) {
      const next = lessons.find((x) => x.subject_id === l.subject_id && (x.on_date > l.on_date || (x.on_date === l.on_date && x.lesson_no > l.lesson_no)));
      if (next) homework.push({ lesson_id: l.id, due_lesson_id: next.id, due_on: next.on_date, text: hw[(n - 1) % hw.length]!, set_by: l.teacher_id });
    }
    for (const [i, st] of students.entries()) {
      // The first student (the demo parent's child) is graded more often, so the diary is full.
      const chance = isTest ? 1 : i === 0 ? 0.45 : 0.2;
      const absent = rand() < 0.03;
      if (absent)
        attendance.push({
          lesson_id: l.id,
          student_id: st.student_id,
          status: rand() < 0.5 ? ('ill' as const) : ('absent' as const),
          notice_id: null,
          set_by: l.teacher_id,
        });
      else if (rand() < 0.02) attendance.push({ lesson_id: l.id, student_id: st.student_id, status: 'late' as const, notice_id: null, set_by: l.teacher_id });
      if (absent || rand() >= chance) continue;
      const r = rand();
      const value = r < 0.04 ? 'debt' : r < 0.1 ? '2' : r < 0.3 ? '3' : r < 0.65 ? '4' : '5';
      grades.push({
        lesson_id: l.id,
        student_id: st.student_id,
        value,
        work_type_id: isTest ? wt.test : rand() < 0.3 ? wt.homework : wt.answer,
        comment: null,
        set_by: l.teacher_id,
      });
      changes.push({ school_id: schoolId, lesson_id: l.id, student_id: st.student_id, old_value: null, new_value: value, changed_by: l.teacher_id });
    }
  }
  const chunks = async <T>(rows: T[], insert: (part: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 400) await insert(rows.slice(i, i + 400));
  };
  await chunks(homework, (p) => ctx.db.insertInto('homework').values(p).execute());
  await chunks(grades, (p) => ctx.db.insertInto('grades').values(p).execute());
  await chunks(changes, (p) => ctx.db.insertInto('grade_changes').values(p).execute());
  await chunks(attendance, (p) => ctx.db.insertInto('attendance').values(p).execute());
}
