import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { badRequest } from '../http/errors.ts';

/**
 * Normalises a phone number to E.164. Numbers written the Russian way (8 9xx…, 9xx…, +7 9xx…)
 * are one and the same account. Only numbers of the configured countries are accepted.
 */
export function normalisePhone(input: string, allowedCountries: readonly string[]): string {
  const parsed = parsePhoneNumberFromString(input.trim(), 'RU');
  if (!parsed || !parsed.isValid()) throw badRequest('phone_invalid');
  const country = parsed.country ?? '';
  if (!allowedCountries.includes(country)) throw badRequest('phone_country_not_allowed', { country });
  return parsed.number;
}

/** Like normalisePhone, but null for null and blank input. */
export function normaliseOptionalPhone(input: string | null | undefined, allowed: readonly string[]): string | null {
  if (input == null || input.trim() === '') return null;
  return normalisePhone(input, allowed);
}
