import crypto from 'node:crypto';

/** The part of an OpenAPI/JSON schema the route fuzzer (fuzz.test.ts) reads. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  nullable?: boolean;
  default?: unknown;
}

/** Path parameter values, already URL-encoded: not an id, NUL, a lone surrogate in UTF-8, huge, traversal, an unknown id. */
export const BAD_PATH_VALUES = ['x', '%00', '%ED%A0%80', '-1', 'a'.repeat(3000), '..%2F..%2Fetc%2Fpasswd', crypto.randomUUID(), '%F0%9F%98'];

/** Query values, already URL-encoded. */
export const BAD_QUERY_VALUES = ['%00', '%ED%A0%80', 'x', '-1', '99999999999999999999999', '1e400', 'a'.repeat(5000), 'a&_=1&__proto__=1'];

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

/** Nested arrays `depth` deep, as JSON text. */
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

type IdOf = (name: string, path: string) => string;

/** A valid-looking value of a schema, using real ids where a property names one. */
export function sampleOf(schema: Schema, name: string, idOf: IdOf): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return sampleOf(alternatives.find((a) => a.type !== 'null') ?? alternatives[0]!, name, idOf);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => sampleOf(s, name, idOf)));
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sampleOf(v, k, idOf);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 0, 1) }, () => sampleOf(schema.items ?? {}, name.replace(/s$/, ''), idOf));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'uuid') return idOf(name.endsWith('Id') ? name : `${name}Id`, '');
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      if (schema.format === 'date' || schema.pattern?.includes('\\d{4}-')) return '2014-05-05';
      if (/phone/i.test(name)) return '+79005550101';
      const text = 'проверка';
      return text.padEnd(schema.minLength ?? 0, 'я').slice(0, schema.maxLength ?? text.length);
    }
    default:
      return null;
  }
}

/** Bodies that spoil a valid sample of `schema` one place at a time, and bodies wrong as a whole. */
export function badBodies(schema: Schema, idOf: IdOf): { body: string; contentType?: string }[] {
  const valid = sampleOf(schema, '', idOf);
  const json = (v: unknown) => ({ body: JSON.stringify(v), contentType: 'application/json' });
  const out = [
    json({}),
    json([]),
    json(null),
    json('текст'),
    { body: '{"a":', contentType: 'application/json' },
    { body: deepArray(20_000), contentType: 'application/json' },
    { body: deepObject(5_000), contentType: 'application/json' },
    { body: JSON.stringify({ pad: 'я'.repeat(700_000) }), contentType: 'application/json' }, // 1.4 MB: over the body limit
    { body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}', contentType: 'application/json' },
  ];
  if (valid && typeof valid === 'object' && !Array.isArray(valid)) {
    const keys = Object.keys(valid).slice(0, 6);
    const spoilers: unknown[] = [1e20, 'x', null, [], NUL, LONE_SURROGATE, JSON.parse(deepArray(40))];
    for (const key of keys) for (const bad of spoilers) out.push(json({ ...valid, [key]: bad }));
    const firstText = keys.find((k) => typeof (valid as Record<string, unknown>)[k] === 'string');
    if (firstText) out.push(json({ ...valid, [firstText]: 'я'.repeat(200_000) }));
    out.push(json({ ...valid, [`key${NUL}`]: 1 }));
  }
  return out;
}
