/**
 * Stable machine-readable error codes. Clients switch on these; the human message may change.
 * Each code has a Russian and an English message for clients that show them as they are.
 */
export const ErrorCodes = {
  validation_failed: { ru: 'Неверные данные запроса', en: 'The request is not valid' },
  not_found: { ru: 'Не найдено', en: 'Not found' },
  route_not_found: { ru: 'Такого адреса нет', en: 'No such route' },
  unauthenticated: { ru: 'Нужно войти', en: 'Sign-in required' },
  forbidden: { ru: 'Недостаточно прав', en: 'Not allowed' },
  rate_limited: { ru: 'Слишком много запросов, попробуйте позже', en: 'Too many requests, try again later' },
  internal: { ru: 'Внутренняя ошибка сервера', en: 'Internal server error' },
  payload_too_large: { ru: 'Слишком большой файл', en: 'The upload is too large' },
  unsupported_media_type: { ru: 'Неподдерживаемый тип файла', en: 'Unsupported file type' },

  phone_invalid: { ru: 'Неверный номер телефона', en: 'Invalid phone number' },
  phone_country_not_allowed: { ru: 'Номера этой страны не принимаются', en: 'Phone numbers of this country are not accepted' },
  code_resend_too_soon: { ru: 'Код уже отправлен, запросите новый чуть позже', en: 'A code was just sent; ask for a new one a little later' },
  code_invalid: { ru: 'Неверный код', en: 'Wrong code' },
  code_expired: { ru: 'Срок действия кода истёк, запросите новый', en: 'The code has expired; ask for a new one' },
  code_attempts_exceeded: { ru: 'Слишком много попыток, запросите новый код', en: 'Too many attempts; ask for a new code' },
  sms_send_failed: { ru: 'Не удалось отправить СМС', en: 'Could not send the SMS' },
  session_not_found: { ru: 'Сеанс не найден', en: 'Session not found' },

  not_linked: { ru: 'Аккаунт не привязан к школе', en: 'The account is not linked to a school' },
  school_not_found: { ru: 'Школа не найдена', en: 'School not found' },
  class_not_found: { ru: 'Класс не найден', en: 'Class not found' },
  person_not_found: { ru: 'Человек не найден в списке школы', en: 'Person not found on the school roster' },
  academic_year_missing: { ru: 'Не задан текущий учебный год', en: 'No current academic year' },
  class_name_taken: { ru: 'Класс с таким названием уже есть', en: 'A class with this name already exists' },
  phone_taken_in_school: { ru: 'Этот номер уже записан за другим человеком в школе', en: 'This phone already belongs to another person of the school' },
  student_phone_is_adults: {
    ru: 'Аккаунт ученика нельзя зарегистрировать на номер родителя или другого взрослого',
    en: "A student's account cannot be registered on a guardian's or any adult's phone",
  },
  student_too_young: { ru: 'Учеников младше 6 лет не регистрируют', en: 'Students younger than 6 are not registered' },
  person_already_linked: { ru: 'Этот человек уже привязан к другому аккаунту', en: 'This person is already linked to another account' },
  account_already_in_school: { ru: 'Аккаунт уже привязан к этой школе', en: 'The account is already linked to this school' },
  invalid_role_combination: { ru: 'Ученик не может одновременно быть взрослым участником', en: 'A student cannot also hold an adult role' },
  not_a_student: { ru: 'Этот человек не ученик', en: 'This person is not a student' },
  not_a_guardian: { ru: 'Этот человек не родитель', en: 'This person is not a guardian' },
  not_a_teacher: { ru: 'Этот человек не учитель', en: 'This person is not a teacher' },
  already_enrolled: { ru: 'Ученик уже в этом классе', en: 'The student is already in this class' },
  not_enrolled: { ru: 'Ученик не учится в этом классе', en: 'The student is not in this class' },
  invitation_invalid: { ru: 'Код приглашения не найден', en: 'Invitation code not found' },
  invitation_used: { ru: 'Приглашение уже использовано', en: 'The invitation has already been used' },
  invitation_expired: { ru: 'Срок действия приглашения истёк', en: 'The invitation has expired' },
  invitation_revoked: { ru: 'Приглашение отозвано', en: 'The invitation was revoked' },
  join_request_pending: { ru: 'Заявка уже подана и ждёт решения', en: 'A request is already waiting for a decision' },
  join_request_decided: { ru: 'По заявке уже принято решение', en: 'The request has already been decided' },
  photo_invalid: { ru: 'Не удалось прочитать изображение', en: 'The image could not be read' },
} as const satisfies Record<string, { ru: string; en: string }>;

export type ErrorCode = keyof typeof ErrorCodes;
