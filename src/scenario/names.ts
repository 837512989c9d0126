// Load-time name checks. The step and check schemas mark the names each field uses or defines
// (src/runner/kinds.ts); this walks a scenario's steps along those schemas, in order, and reports
// every name used before it is defined, as file:line:col.
import { asObject } from '../runner/json.ts';
import { placeholdersIn } from '../runner/placeholders.ts';
import { STEP_DEFS, stepKind } from '../runner/steps/index.ts';
import { CHECK_DEFS } from '../runner/checks/index.ts';
import { EXPECT_DEFS } from '../runner/response.ts';
import type { JsonPath, ParsedYaml } from './yaml.ts';

type Schema = Record<string, unknown>;

interface Visitor {
  use(kind: string, value: string, path: JsonPath): void;
  define(kind: string, value: string, path: JsonPath): void;
  defaultRoom(path: JsonPath): void;
  template(value: unknown, path: JsonPath): void;
  rule(id: string, path: JsonPath): void;
  steps(list: unknown[], path: JsonPath): void;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

/** The branch of an anyOf that fits the value: the same JSON type, and for objects the same keys. */
function pickBranch(branches: Schema[], value: unknown): Schema | undefined {
  const t = typeOf(value);
  const obj = asObject(value);
  return branches.map(deref).find((b) => {
    const bt = b.type ?? (b.properties ? 'object' : b.anyOf ? 'any' : undefined);
    if (bt === 'any') return pickBranch(b.anyOf as Schema[], value) !== undefined;
    if (bt !== t && !(bt === 'number' && t === 'integer')) return false;
    if (!obj) return true;
    const props = asObject(b.properties) ?? {};
    return ((b.required as string[] | undefined) ?? []).every((k) => k in obj) && Object.keys(obj).every((k) => k in props || b.patternProperties !== undefined);
  });
}

const DEFS: Record<string, unknown> = { ...STEP_DEFS, ...CHECK_DEFS, ...EXPECT_DEFS };

/** Follows a `#/$defs/...` reference of the scenario schema. */
function deref(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  return (DEFS[ref.slice('#/$defs/'.length)] as Schema | undefined) ?? {};
}

function walk(raw: Schema, value: unknown, path: JsonPath, v: Visitor): void {
  const schema = deref(raw);
  if (schema['x-template']) return v.template(value, path);
  if (typeof value === 'string') {
    if (typeof schema['x-name'] === 'string') return v.use(schema['x-name'], value, path);
    if (typeof schema['x-defines'] === 'string') return v.define(schema['x-defines'], value, path);
    if (schema['x-rule']) return v.rule(value, path);
  }
  if (schema['x-steps'] && Array.isArray(value)) return v.steps(value, path);
  if (Array.isArray(schema.anyOf)) {
    const branch = pickBranch(schema.anyOf as Schema[], value);
    if (branch) walk(branch, value, path, v);
    return;
  }
  const obj = asObject(value);
  if (obj && (schema.properties || schema.patternProperties)) {
    for (const [key, sub] of Object.entries(asObject(schema.properties) ?? {})) {
      const s = sub as Schema;
      if (key in obj) walk(s, obj[key], [...path, key], v);
      else if (s['x-name'] === 'room') v.defaultRoom([...path, key]);
    }
    const pattern = Object.values(asObject(schema.patternProperties) ?? {})[0] as Schema | undefined;
    if (pattern) {
      for (const [key, x] of Object.entries(obj)) {
        if (typeof schema['x-name-keys'] === 'string') v.use(schema['x-name-keys'], key, [...path, key]);
        walk(pattern, x, [...path, key], v);
      }
    }
    return;
  }
  if (Array.isArray(value) && schema.items) value.forEach((x, i) => walk(schema.items as Schema, x, [...path, i], v));
}

const HINT: Record<string, string> = {
  room: 'create it with create_room first',
  event: 'name it in an earlier send, react or remote_send step (or write a literal $event_id)',
  local: 'list it under users',
  remote: 'list it under remote_users',
  actor: 'list it under users or remote_users (or write a literal @user:id)',
};

export interface NamesInput {
  users: readonly string[];
  remoteUsers: readonly string[];
  steps: readonly unknown[];
  knownRules: ReadonlySet<string>;
}

/** Every naming problem of a scenario's steps, as `file:line:col: message`. */
export function checkNames(input: NamesInput, parsed: ParsedYaml): string[] {
  const problems: string[] = [];
  const locals = new Set(input.users);
  const remotes = new Set(input.remoteUsers);
  const rooms = new Set<string>();
  const events = new Set<string>();
  const roomCount = input.steps.filter((s) => asObject(s)?.create_room !== undefined).length;
  const fail = (path: JsonPath, message: string): void => {
    problems.push(`${parsed.at(path)}: ${message}`);
  };
  for (const name of remotes) if (locals.has(name)) fail(['remote_users'], `"${name}" is listed under both users and remote_users`);

  const use = (kind: string, value: string, path: JsonPath): void => {
    switch (kind) {
      case 'local':
        if (remotes.has(value)) return fail(path, `"${value}" is a remote actor; this needs a local one (remote actors act through remote_send and inject_receipt)`);
        if (!locals.has(value)) return fail(path, `unknown actor "${value}"; ${HINT.local}`);
        return;
      case 'remote':
        if (!remotes.has(value)) return fail(path, `"${value}" must be a remote actor here; ${HINT.remote}`);
        return;
      case 'actor':
        if (!value.startsWith('@') && !locals.has(value) && !remotes.has(value)) fail(path, `unknown actor "${value}"; ${HINT.actor}`);
        return;
      case 'room':
      case 'room-ref':
        if (!(kind === 'room-ref' && value.startsWith('!')) && !rooms.has(value)) fail(path, `unknown room "${value}"; ${HINT.room}`);
        return;
      case 'thread':
      case 'event':
        if (!(kind === 'thread' && value === 'main') && !value.startsWith('$') && !events.has(value)) fail(path, `unknown event "${value}"; ${HINT.event}`);
        return;
    }
  };
  const visitor: Visitor = {
    use,
    define(kind, value, path) {
      const set = kind === 'room' ? rooms : events;
      if (set.has(value)) fail(path, `${kind} name "${value}" is already used`);
      set.add(value);
    },
    defaultRoom(path) {
      if (roomCount !== 1) fail(path.slice(0, -1), `name the room: this scenario creates ${roomCount} rooms`);
      else if (!rooms.size) fail(path.slice(0, -1), 'no room has been created yet; create_room comes first');
    },
    template(value, path) {
      for (const p of placeholdersIn(value)) use(p.kind === 'user' ? 'actor' : p.kind === 'room' ? 'room-ref' : p.kind, p.name, path);
    },
    rule(id, path) {
      if (!input.knownRules.has(id)) fail(path, `unknown rule ${id}; rule IDs come from specs/rules.yaml`);
    },
    steps(list, path) {
      list.forEach((s, i) => step(s, [...path, i]));
    },
  };
  const step = (value: unknown, path: JsonPath): void => {
    const obj = asObject(value);
    const [name, args] = Object.entries(obj ?? {})[0] ?? [];
    const kind = name === undefined ? undefined : stepKind(name);
    if (!kind) return;
    // create_room names its room even when the author omits it.
    if (name === 'create_room' && asObject(args)?.room === undefined) visitor.define('room', 'room', [...path, name!]);
    walk(kind.args as unknown as Schema, args, [...path, name!], visitor);
  };
  input.steps.forEach((s, i) => step(s, ['steps', i]));
  return problems;
}
