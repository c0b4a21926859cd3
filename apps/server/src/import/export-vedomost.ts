import ExcelJS from 'exceljs';
import type { Locale } from '@parta/protocol';
import type { Queryable } from '../db/schema.ts';
import { getClass } from '../directory/store.ts';
import { weightedAverage, weightOf } from '../diary/averages.ts';
import { AppError } from '../http/errors.ts';
import { exportText } from '../i18n/import.ts';

/**
 * The ведомость a class teacher hands in: a class's students down, its subjects across, and for
 * each subject the period's mark (the year's when no period is given) beside the weighted average
 * of the period's grades, the one the diary computes.
 */
export async function exportVedomost(
  db: Queryable,
  schoolId: string,
  classId: string,
  periodId: string | null,
  locale: Locale,
): Promise<{ name: string; buffer: Buffer }> {
  const cls = await db.selectFrom('classes').selectAll().where('id', '=', classId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!cls) await getClass(db, schoolId, classId);
  const year = await db.selectFrom('academic_years').selectAll().where('id', '=', cls!.academic_year_id).executeTakeFirstOrThrow();
  const period = periodId
    ? await db.selectFrom('reporting_periods').selectAll().where('id', '=', periodId).where('school_id', '=', schoolId).executeTakeFirst()
    : null;
  if (periodId && !period) throw new AppError('period_not_found', 404);
  const from = period?.starts_on ?? year.starts_on;
  const to = period?.ends_on ?? year.ends_on;

  const [students, lessonsSubjects, teaching, grades, marks, workTypes] = await Promise.all([
    db
      .selectFrom('enrolments')
      .innerJoin('persons', 'persons.id', 'enrolments.student_id')
      .select(['persons.id', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
      .distinct()
      .where('enrolments.class_id', '=', classId)
      .where((eb) => eb.or([eb('enrolments.left_at', 'is', null), eb('enrolments.left_at', '>=', new Date(`${from}T00:00:00Z`))]))
      .orderBy('persons.last_name')
      .orderBy('persons.first_name')
      .execute(),
    db
      .selectFrom('lessons')
      .innerJoin('subjects', 'subjects.id', 'lessons.subject_id')
      .select(['subjects.id', 'subjects.name'])
      .distinct()
      .where('lessons.class_id', '=', classId)
      .execute(),
    db
      .selectFrom('class_teachers')
      .innerJoin('class_teacher_subjects as cts', 'cts.class_teacher_id', 'class_teachers.id')
      .innerJoin('subjects', 'subjects.id', 'cts.subject_id')
      .select(['subjects.id', 'subjects.name'])
      .distinct()
      .where('class_teachers.class_id', '=', classId)
      .execute(),
    db
      .selectFrom('grades')
      .innerJoin('lessons', 'lessons.id', 'grades.lesson_id')
      .select(['grades.student_id', 'grades.value', 'grades.work_type_id', 'lessons.work_type_id as lesson_work_type', 'lessons.subject_id'])
      .where('lessons.class_id', '=', classId)
      .where('lessons.on_date', '>=', from)
      .where('lessons.on_date', '<=', to)
      .where('lessons.cancelled', '=', false)
      .execute(),
    db
      .selectFrom('final_marks')
      .select(['student_id', 'subject_id', 'value'])
      .where('academic_year_id', '=', year.id)
      .where((eb) => (periodId ? eb('period_id', '=', periodId) : eb('period_id', 'is', null)))
      .execute(),
    db.selectFrom('work_types').select(['id', 'weight']).where('school_id', '=', schoolId).execute(),
  ]);
  const subjects = [...new Map([...teaching, ...lessonsSubjects].map((s) => [s.id, s.name])).entries()].sort((a, b) => a[1].localeCompare(b[1], 'ru'));
  const weights = new Map(workTypes.map((w) => [w.id, Number(w.weight)]));
  const mark = new Map(marks.map((m) => [`${m.student_id}|${m.subject_id}`, m.value]));
  const gradesOf = new Map<string, { value: string; weight: number }[]>();
  for (const g of grades) {
    const k = `${g.student_id}|${g.subject_id}`;
    gradesOf.set(k, [...(gradesOf.get(k) ?? []), { value: g.value, weight: weightOf(g.work_type_id ?? g.lesson_work_type, weights) }]);
  }

  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(exportText.vedomost[locale]);
  const title = `${exportText.vedomost[locale]}: ${cls!.name}, ${period?.name ?? `${exportText.year[locale]} ${year.name}`}`;
  ws.addRow([title]).font = { bold: true, size: 13 };
  ws.addRow([]);
  const head = ['№', exportText.student[locale], ...subjects.flatMap(([, name]) => [name, exportText.average[locale]])];
  const headRow = ws.addRow(head);
  headRow.font = { bold: true };
  headRow.alignment = { wrapText: true, vertical: 'middle' };
  students.forEach((s, i) => {
    const cells: (string | number | null)[] = [i + 1, [s.last_name, s.first_name, s.middle_name].filter(Boolean).join(' ')];
    for (const [subjectId] of subjects) {
      const k = `${s.id}|${subjectId}`;
      cells.push(mark.get(k) ?? null, weightedAverage(gradesOf.get(k) ?? []));
    }
    ws.addRow(cells);
  });
  ws.getColumn(1).width = 5;
  ws.getColumn(2).width = 34;
  for (let c = 3; c <= head.length; c++) ws.getColumn(c).width = c % 2 ? 14 : 8;
  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  return { name: `${exportText.vedomost[locale]} ${cls!.name} ${period?.name ?? year.name}.xlsx`.replace(/[/\\]/g, '-'), buffer };
}
