import type { CompiledQuery, QueryExecutorProvider } from 'kysely';

/** Anything Kysely can compile: a query builder or a `sql` template. */
interface Compilable<R> {
  compile(executorProvider: QueryExecutorProvider): CompiledQuery<R>;
}

/**
 * A query that Kysely builds and compiles once; each run only fills in its parameters. For the
 * statements every send runs, where building and compiling the query (a tree of nodes, then a
 * visitor over it) costs the server more than the driver's round trip.
 *
 * `build` is called once, with the database of the first call (to build on; the SQL is the
 * PostgreSQL dialect's, the same on PGlite and PostgreSQL) and stand-ins for its arguments, which
 * must each end up as one parameter of the query (never as SQL text). Run the result with
 * `db.executeQuery(query(db, ...args))`.
 */
export function compileOnce<D extends QueryExecutorProvider, A extends unknown[], R>(
  arity: A['length'],
  build: (db: D, ...args: A) => Compilable<R>,
): (db: D, ...args: A) => CompiledQuery<R> {
  let template: { compiled: CompiledQuery<R>; slots: ({ arg: number } | { value: unknown })[] } | null = null;
  return (db: D, ...args: A) => {
    if (!template) {
      const marks = Array.from({ length: arity }, (_, i) => `\u0000compile-once:${i}`);
      const compiled = build(db, ...(marks as A)).compile(db);
      const slots = compiled.parameters.map((p) => {
        const arg = marks.indexOf(p as string);
        return arg >= 0 ? { arg } : { value: p };
      });
      for (let i = 0; i < arity; i++) {
        if (slots.filter((s) => 'arg' in s && s.arg === i).length !== 1)
          throw new Error(`compileOnce: argument ${i} must be exactly one parameter of the query`);
      }
      template = { compiled, slots };
    }
    const { compiled, slots } = template;
    return { ...compiled, parameters: slots.map((s) => ('arg' in s ? args[s.arg] : s.value)) };
  };
}
