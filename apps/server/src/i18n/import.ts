import type { Locale } from '@parta/protocol';
import type { ImportIssueCode } from '../import/input.ts';

type P = Record<string, string | number | undefined>;
const v = (p: P, k: string) => String(p[k] ?? '');

/** Why a row of an import is refused, as a school admin reads it. Russian first, English second. */
const issues: Record<ImportIssueCode, { ru: (p: P) => string; en: (p: P) => string }> = {
  bad_date: { ru: (p) => `Дата «${v(p, 'value')}» не читается: пишите ДД.ММ.ГГГГ`, en: (p) => `The date "${v(p, 'value')}" cannot be read: write DD.MM.YYYY` },
  bad_phone: { ru: (p) => `Номер «${v(p, 'value')}» не похож на телефон`, en: (p) => `"${v(p, 'value')}" is not a phone number` },
  missing_value: { ru: () => 'Не заполнено обязательное поле', en: () => 'A required field is empty' },
  missing_column: { ru: () => 'В файле нет этого столбца', en: () => 'The file has no such column' },
  missing_file: { ru: () => 'В архиве нет этого файла', en: () => 'The archive has no such file' },
  unknown_class: { ru: (p) => `Класс «${v(p, 'value')}» не найден`, en: (p) => `Class "${v(p, 'value')}" not found` },
  unknown_person: {
    ru: (p) => `Человек «${v(p, 'value')}» не найден ни в файле, ни в школе`,
    en: (p) => `Person "${v(p, 'value')}" is neither in the file nor in the school`,
  },
  guardian_without_child: { ru: () => 'Указан родитель, но нет ученика', en: () => 'A guardian is given, but no student' },
  duplicate_phone: {
    ru: (p) => `Телефон ${v(p, 'phone')} уже указан у другого человека (строка ${v(p, 'line')})`,
    en: (p) => `Phone ${v(p, 'phone')} is already given to another person (line ${v(p, 'line')})`,
  },
  student_on_adult_phone: {
    ru: (p) => `Телефон ${v(p, 'phone')} принадлежит взрослому: у ученика должен быть свой номер`,
    en: (p) => `Phone ${v(p, 'phone')} is an adult's: a student needs a number of their own`,
  },
  phone_taken: {
    ru: (p) => `Телефон ${v(p, 'phone')} уже записан за другим человеком школы: ${v(p, 'name')}`,
    en: (p) => `Phone ${v(p, 'phone')} already belongs to another person of the school: ${v(p, 'name')}`,
  },
  ambiguous_match: {
    ru: (p) => `В школе несколько человек с именем ${v(p, 'name')}: укажите телефон или дату рождения`,
    en: (p) => `The school has several people named ${v(p, 'name')}: give a phone or a birth date`,
  },
  duplicate_id: { ru: (p) => `«${v(p, 'value')}» встречается в файле дважды`, en: (p) => `"${v(p, 'value')}" appears twice in the file` },
  bad_encoding: {
    ru: () => 'Файл не в кодировке UTF-8 или Windows-1251: сохраните его как «CSV UTF-8»',
    en: () => 'The file is neither UTF-8 nor Windows-1251: save it as "CSV UTF-8"',
  },
  bad_file: { ru: () => 'Файл повреждён или не читается', en: () => 'The file is damaged or cannot be read' },
  bad_role: { ru: (p) => `Роль ${v(p, 'value')} не поддерживается`.replace('  ', ' '), en: (p) => `Role ${v(p, 'value')} is not supported`.replace('  ', ' ') },
  bad_grade: { ru: (p) => `Оценки «${v(p, 'value')}» нет в шкале школы`, en: (p) => `"${v(p, 'value')}" is not on the school's scale` },
  too_young: { ru: () => 'Ученику меньше 6 лет: проверьте дату рождения', en: () => 'The student is under 6: check the birth date' },
  class_without_grade: { ru: (p) => `У класса «${v(p, 'value')}» нет номера параллели`, en: (p) => `Class "${v(p, 'value')}" has no grade number` },
  no_lesson: { ru: () => 'Нет урока для оценки', en: () => 'No lesson for the mark' },
};

export function issueText(locale: Locale, code: ImportIssueCode, params: P = {}): string {
  return issues[code][locale](params);
}

const details = {
  create_class: { ru: (p: P) => `новый класс, параллель ${v(p, 'grade')}`, en: (p: P) => `new class, grade ${v(p, 'grade')}` },
  rename_class: { ru: (p: P) => `было: ${v(p, 'before')}`, en: (p: P) => `was: ${v(p, 'before')}` },
  source_class: { ru: () => 'записан код из электронного журнала', en: () => "the e-journal's id is recorded" },
  archive_class: { ru: () => 'класс переносится в архив, его чаты остаются доступны для чтения', en: () => 'the class is archived; its chats stay readable' },
  create_person: {
    ru: (p: P) => `новый: ${v(p, 'roles')}${p['className'] ? `, ${v(p, 'className')}` : ''}`,
    en: (p: P) => `new: ${v(p, 'roles')}${p['className'] ? `, ${v(p, 'className')}` : ''}`,
  },
  change_person: { ru: (p: P) => `изменится: ${v(p, 'fields')}`, en: (p: P) => `changes: ${v(p, 'fields')}` },
  archive_person: {
    ru: () => 'уходит из школы: в архив (сообщения и аккаунт сохраняются)',
    en: () => 'leaves the school: archived (messages and account are kept)',
  },
  move: { ru: (p: P) => `переходит из ${v(p, 'from')} в ${v(p, 'to')}`, en: (p: P) => `moves from ${v(p, 'from')} to ${v(p, 'to')}` },
  enrol: { ru: (p: P) => `в класс ${v(p, 'to')}`, en: (p: P) => `into class ${v(p, 'to')}` },
  unenrol: { ru: () => 'выбывает из класса', en: () => 'leaves the class' },
  guardian: {
    ru: (p: P) => `родитель ученика ${v(p, 'child')}${p['relation'] ? ` (${v(p, 'relation')})` : ''}`,
    en: (p: P) => `guardian of ${v(p, 'child')}${p['relation'] ? ` (${v(p, 'relation')})` : ''}`,
  },
  teacher: {
    ru: (p: P) => `${v(p, 'className')}: ${v(p, 'subjects') || 'без предмета'}${p['lead'] ? ', классный руководитель' : ''}`,
    en: (p: P) => `${v(p, 'className')}: ${v(p, 'subjects') || 'no subject'}${p['lead'] ? ', class teacher' : ''}`,
  },
  subject: { ru: () => 'новый предмет', en: () => 'new subject' },
  grade: {
    ru: (p: P) => `${v(p, 'subject')}, ${v(p, 'date')}: ${p['old'] ? `${v(p, 'old')} → ` : ''}${v(p, 'value')}`,
    en: (p: P) => `${v(p, 'subject')}, ${v(p, 'date')}: ${p['old'] ? `${v(p, 'old')} → ` : ''}${v(p, 'value')}`,
  },
  weak: {
    ru: (p: P) =>
      `похож на человека школы: ${v(p, 'candidate')} (совпадает ${p['reason'] === 'phone' ? 'телефон, но не имя' : 'имя, но не всё'}): подтвердите или исправьте файл`,
    en: (p: P) =>
      `resembles a person of the school: ${v(p, 'candidate')} (the ${p['reason'] === 'phone' ? 'phone matches, the name does not' : 'name matches, not everything else'}): confirm, or correct the file`,
  },
  fields: {
    ru: (p: P) =>
      String(p['list'] ?? '')
        .split(',')
        .map(
          (f) =>
            ({
              lastName: 'фамилия',
              firstName: 'имя',
              middleName: 'отчество',
              birthDate: 'дата рождения',
              phone: 'телефон',
              roles: 'роли',
              sourceId: 'код в журнале',
              restore: 'возвращается из архива',
            })[f] ?? f,
        )
        .join(', '),
    en: (p: P) =>
      String(p['list'] ?? '')
        .split(',')
        .map(
          (f) =>
            ({
              lastName: 'last name',
              firstName: 'first name',
              middleName: 'patronymic',
              birthDate: 'birth date',
              phone: 'phone',
              roles: 'roles',
              sourceId: 'e-journal id',
              restore: 'returns from the archive',
            })[f] ?? f,
        )
        .join(', '),
  },
  roles: {
    ru: (p: P) =>
      String(p['list'] ?? '')
        .split(',')
        .map((r) => ({ student: 'ученик', guardian: 'родитель', teacher: 'учитель', admin: 'администратор' })[r] ?? r)
        .join(', '),
    en: (p: P) =>
      String(p['list'] ?? '')
        .split(',')
        .map((r) => ({ student: 'student', guardian: 'parent', teacher: 'teacher', admin: 'admin' })[r] ?? r)
        .join(', '),
  },
};

export function importText(locale: Locale, key: keyof typeof details, params: P = {}): string {
  return details[key][locale](params);
}

/** Headings of the exported files (the ведомость). */
export const exportText = {
  vedomost: { ru: 'Ведомость', en: 'Marks sheet' },
  student: { ru: 'Ученик', en: 'Student' },
  class: { ru: 'Класс', en: 'Class' },
  period: { ru: 'Период', en: 'Period' },
  year: { ru: 'Итог за год', en: 'Year' },
  average: { ru: 'Средний балл', en: 'Average' },
  students: { ru: 'Ученики', en: 'Students' },
  teachers: { ru: 'Учителя', en: 'Teachers' },
} as const;
