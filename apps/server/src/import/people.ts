import { normalisePhone } from '../identity/phone.ts';
import type { ImportInput, InputPerson, SourceRef } from './input.ts';
import { nameKey } from './text.ts';

/**
 * Gathers a file's people so that one person listed twice (a guardian of two siblings, a teacher
 * who is also a parent) is one person, and refuses what cannot be one person: a phone given to
 * two different names, a student on an adult's phone.
 */
export class PeopleBuilder {
  private readonly byKey = new Map<string, InputPerson>();
  private readonly byPhone = new Map<string, InputPerson>();

  constructor(
    private readonly input: ImportInput,
    private readonly countries: readonly string[],
  ) {}

  /** A phone in E.164, or null when blank; an unreadable one is an issue (and null). */
  phone(raw: string, ref: SourceRef): string | null {
    if (!raw.trim()) return null;
    try {
      return normalisePhone(raw, this.countries);
    } catch {
      this.input.issues.push({ code: 'bad_phone', ref, params: { value: raw } });
      return null;
    }
  }

  get(key: string): InputPerson | undefined {
    return this.byKey.get(key);
  }

  /** Adds or merges a person; returns the key the person is known by, or null when refused. */
  add(p: InputPerson, phoneRef: SourceRef = p.ref): string | null {
    const same = this.byKey.get(p.key) ?? (p.phone ? this.byPhone.get(p.phone) : undefined);
    if (same) {
      const roles = [...new Set([...same.roles, ...p.roles])];
      if (roles.includes('student') && roles.length > 1) {
        this.input.issues.push({ code: 'student_on_adult_phone', ref: phoneRef, params: { phone: p.phone ?? '', line: same.ref.line } });
        return null;
      }
      if (nameKey(same.lastName, same.firstName) !== nameKey(p.lastName, p.firstName)) {
        this.input.issues.push({ code: 'duplicate_phone', ref: phoneRef, params: { phone: p.phone ?? '', line: same.ref.line } });
        return null;
      }
      same.roles = roles;
      same.middleName ??= p.middleName;
      same.birthDate ??= p.birthDate;
      same.classKey ??= p.classKey;
      same.sourceId ??= p.sourceId;
      return same.key;
    }
    this.byKey.set(p.key, p);
    if (p.phone) this.byPhone.set(p.phone, p);
    this.input.people.push(p);
    return p.key;
  }
}
