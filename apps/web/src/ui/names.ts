import petrovich from 'petrovich';

export type NameCase = 'genitive' | 'dative' | 'accusative' | 'instrumental' | 'prepositional';

/**
 * "Смирнова Елена Петровна" (the roster's order) → «Елены Смирновой» in the case asked for, with
 * petrovich (rules for Russian first, middle and last names; the gender from the middle name, else
 * from the first name's rules). A name it does not know stays as it is.
 */
export function nameInCase(full: string, gcase: NameCase): string {
  const [last, first, middle] = full.split(' ').filter(Boolean);
  if (!first || !last) return full;
  try {
    const person = { first, last, ...(middle ? { middle } : {}) };
    const gender = middle ? petrovich.detect_gender(middle) : 'androgynous';
    const r = petrovich({ ...person, gender: gender === 'androgynous' ? guessGender(first) : gender }, gcase);
    return `${r.first} ${r.last}`;
  } catch {
    return `${first} ${last}`;
  }
}

/** Without a middle name: Russian female first names mostly end in -а/-я (Никита and Илья aside). */
function guessGender(first: string): 'male' | 'female' {
  return /[ая]$/.test(first) && !/^(Никита|Илья|Кузьма|Фома|Лука|Савва)$/.test(first) ? 'female' : 'male';
}
