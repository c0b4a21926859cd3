/** Types of `petrovich` (it ships none): inflects Russian first, middle and last names. */
declare module 'petrovich' {
  type Gender = 'male' | 'female' | 'androgynous';
  interface Person {
    first?: string;
    middle?: string;
    last?: string;
    gender?: Gender;
  }
  interface Petrovich {
    (person: Person, gcase: 'nominative' | 'genitive' | 'dative' | 'accusative' | 'instrumental' | 'prepositional'): Required<Person>;
    detect_gender(middle: string): Gender;
  }
  const petrovich: Petrovich;
  export default petrovich;
}
