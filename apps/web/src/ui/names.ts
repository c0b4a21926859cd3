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

/** The first name alone, in a case: "Волков Егор" → «Егора». */
export function firstNameInCase(full: string, gcase: NameCase): string {
  return nameInCase(full, gcase).split(' ')[0] ?? full;
}

/**
 * Whose parent a guardian is, for beside their name: «мама Егора», «папа Ани и Егора»; in English
 * "parent of Егор". The relation written on the roster wins; else mother or father by the guardian's
 * name (its middle name, or the first name's ending).
 */
export function whoseParent(guardian: { name: string; children?: { name: string; relation: string | null }[] }, locale: 'ru' | 'en'): string | null {
  const kids = guardian.children ?? [];
  if (!kids.length) return null;
  if (locale === 'en') return `parent of ${kids.map((k) => k.name.split(' ')[1] ?? k.name).join(' and ')}`;
  const [, first, middle] = guardian.name.split(' ');
  const female = middle ? petrovich.detect_gender(middle) === 'female' : !!first && guessGender(first) === 'female';
  const relation = kids.find((k) => k.relation)?.relation?.trim() || (female ? 'мама' : 'папа');
  return `${relation} ${kids.map((k) => firstNameInCase(k.name, 'genitive')).join(' и ')}`;
}

/**
 * Who the other person of a direct chat is at school, in a few words: «мама Егора, 5А»,
 * «учитель, 5А, 6Б», «ученик, 5А». Null when the server told nothing (an older chat event).
 */
export function peerLine(
  peer: { roles: string[]; classes: string[]; children: { name: string; relation: string | null; classes: string[] }[] } | null | undefined,
  name: string,
  t: (key: 'peer.teacher' | 'peer.student' | 'peer.admin', vars?: Record<string, string | number>) => string,
  locale: 'ru' | 'en',
): string | null {
  if (!peer) return null;
  const join = (xs: string[]) => [...new Set(xs)].join(', ');
  if (peer.children.length > 0) {
    const whose = whoseParent({ name, children: peer.children }, locale);
    const classes = join(peer.children.flatMap((c) => c.classes));
    return [whose, classes].filter(Boolean).join(', ');
  }
  if (peer.roles.includes('teacher')) return [t('peer.teacher'), join(peer.classes)].filter(Boolean).join(', ');
  if (peer.roles.includes('student')) return [t('peer.student'), join(peer.classes)].filter(Boolean).join(', ');
  if (peer.roles.includes('admin')) return t('peer.admin');
  return null;
}
