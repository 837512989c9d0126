// Malformed m.receipt EDUs, derived from the suite's EDU schema (fixtures/schemas/wire/
// m.receipt-edu.schema.json) by a deterministic walk: at every level, each required field missing,
// each field of the wrong JSON type, and an extra field or item. The walk reads the keywords the
// schema uses (properties, required, additionalProperties, propertyNames, items, minItems,
// maxItems, type, const), so a change to the schema changes the variants; every variant is then
// classified by the schema itself (an extra key where the schema allows one is a valid EDU).
// No randomness: the same schema and names give the same list, in the same order.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validator } from '../../scenario/schema.ts';

export const FAMILIES = ['envelope', 'missing', 'mistyped', 'extra'] as const;
export type Family = (typeof FAMILIES)[number];

export interface VariantNames {
  room: string;
  /** The user the receipt names. */
  user: string;
  event: string;
  /** A second event, for a second item in event_ids. */
  otherEvent: string;
  ts: number;
}

export interface EduVariant {
  /** `content.<room>.m.read.<user>.data.ts missing`: stable, readable, unique. */
  id: string;
  family: Family;
  /** The JSON path changed, with <room> and <user> for the map keys. */
  path: string;
  /** What was done there: missing, as a string, with 2 items, as an extra key... */
  change: string;
  edu: { edu_type?: unknown; content?: unknown; [k: string]: unknown };
  /** Whether the result still satisfies the EDU schema (an extra key where extras are allowed). */
  valid: boolean;
  /** The changed field holds a plain value (a string, a number), not an object or an array. */
  leaf: boolean;
}

type Schema = Record<string, unknown>;
type Path = (string | number)[];

const SCHEMA_FILE = fileURLToPath(new URL('../../../fixtures/schemas/wire/m.receipt-edu.schema.json', import.meta.url));
let schemaCache: Schema | undefined;
function eduSchema(): Schema {
  return (schemaCache ??= JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema);
}

/** The valid EDU every variant starts from: one receipt by `user` on `event`. */
export function baselineEdu(n: VariantNames): EduVariant['edu'] {
  return { edu_type: 'm.receipt', content: { [n.room]: { 'm.read': { [n.user]: { event_ids: [n.event], data: { ts: n.ts } } } } } };
}

/** Two wrong values per JSON type (a string for a number, an array for an object...), each one a signer can send. */
function wrongValues(schema: Schema, current: unknown, n: VariantNames): { value: unknown; what: string }[] {
  if ('const' in schema) return [{ value: 5, what: 'a number' }];
  switch (schema.type) {
    case 'object':
      return [{ value: 'x', what: 'a string' }, { value: [], what: 'an array' }];
    case 'array':
      return [{ value: Array.isArray(current) && typeof current[0] === 'string' ? current[0] : n.event, what: 'a bare string' }, { value: {}, what: 'an object' }];
    case 'string':
      return [{ value: 5, what: 'a number' }, { value: null, what: 'null' }];
    case 'integer':
      // Not a fraction: canonical JSON, which signs every federation request, has no fractions.
      return [{ value: String(n.ts), what: 'a numeric string' }, { value: null, what: 'null' }];
    default:
      return [];
  }
}

/** A key the schema's propertyNames refuses, or a plain unknown key. */
function extraKey(schema: Schema): { key: string; restricted: boolean } {
  const names = schema.propertyNames as Schema | undefined;
  if (names?.pattern === '^!') return { key: 'not-a-room-id', restricted: true };
  if (names?.pattern === '^@') return { key: 'not-a-user-id', restricted: true };
  if (Array.isArray(names?.enum)) return { key: 'org.example.unknown', restricted: true };
  return { key: 'org.example.extra', restricted: false };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown, remove = false): void {
  let node: any = root;
  for (const k of path.slice(0, -1)) node = node[k];
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = value;
}

export function eduVariants(n: VariantNames): EduVariant[] {
  const base = baselineEdu(n);
  const out: Omit<EduVariant, 'valid'>[] = [];
  const isLeaf = (schema: Schema | undefined) => schema?.type !== 'object' && schema?.type !== 'array';
  const label = (path: Path) => (path.length ? path.map((k) => (k === n.room ? '<room>' : k === n.user ? '<user>' : String(k))).join('.') : '(edu)');
  const familyOf = (path: Path, kind: Exclude<Family, 'envelope'>): Family => (path.length <= 1 ? 'envelope' : kind);
  const add = (family: Family, path: Path, change: string, mutate: (edu: Record<string, unknown>) => void, leaf = false) => {
    const edu = clone(base) as Record<string, unknown>;
    mutate(edu);
    out.push({ id: `${label(path)} ${change}`, family, path: label(path), change, edu, leaf });
  };

  const walk = (schema: Schema, value: unknown, path: Path): void => {
    if (path.length) for (const w of wrongValues(schema, value, n)) add(familyOf(path, 'mistyped'), path, `as ${w.what}`, (e) => setAt(e, path, w.value), isLeaf(schema));
    if (schema.type === 'array' && Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && schema.minItems > 0) add(familyOf(path, 'missing'), path, 'with no items', (e) => setAt(e, path, []));
      if (typeof schema.maxItems === 'number') add(familyOf(path, 'extra'), path, `with ${schema.maxItems + 1} items`, (e) => setAt(e, path, [...value, n.otherEvent].slice(0, (schema.maxItems as number) + 1)));
      if (schema.items && value.length) walk(schema.items as Schema, value[0], [...path, 0]);
      return;
    }
    const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    if (!obj) return;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required as string[] | undefined) ?? []) add(familyOf([...path, key], 'missing'), [...path, key], 'missing', (e) => setAt(e, [...path, key], undefined, true));
    for (const [key, sub] of Object.entries(props)) {
      if (key in obj) walk(sub, obj[key], [...path, key]);
      // An optional field the baseline leaves out can still come with the wrong type.
      else for (const w of wrongValues(sub, undefined, n)) add(familyOf([...path, key], 'mistyped'), [...path, key], `as ${w.what}`, (e) => setAt(e, [...path, key], w.value), isLeaf(sub));
    }
    const mapValues = schema.additionalProperties && typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Schema) : undefined;
    if (mapValues) for (const key of Object.keys(obj).filter((k) => !(k in props))) walk(mapValues, obj[key], [...path, key]);
    const { key, restricted } = extraKey(schema);
    if (!restricted) {
      add(familyOf([...path, key], 'extra'), [...path, key], 'as an extra key', (e) => setAt(e, [...path, key], 'x'));
      return;
    }
    // A refused key carries the receipt its valid sibling held, and the sibling goes (a required one
    // stays, emptied): the only receipt left sits under the refused key, so a leak shows.
    const moved: Record<string, unknown> = { [key]: clone(Object.values(obj)[0]) };
    for (const req of (schema.required as string[] | undefined) ?? []) moved[req] = {};
    add(familyOf([...path, key], 'extra'), [...path, key], 'as the only key, one the schema refuses', (e) => setAt(e, path, moved));
  };
  walk(eduSchema(), base, []);

  const validate = validator('m.receipt-edu');
  if (!validate(base)) throw new Error('the baseline EDU breaks the EDU schema');
  if (new Set(out.map((v) => v.id)).size !== out.length) throw new Error('two EDU variants share an id');
  return out.map((v) => ({ ...v, valid: validate(v.edu) === true }));
}
