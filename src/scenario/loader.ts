// Loads scenario files and the rule catalogue, and reports every problem as file:line:col with
// what was expected, so that a scenario author can fix it without reading the engine.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, basename, dirname, sep } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { ErrorObject } from 'ajv';
import { validator, projectRoot } from './schema.ts';
import { versionKey } from './spec-version.ts';
import type { Scenario } from './types.ts';
import type { RuleInfo } from '../model.ts';

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ScenarioError';
  }
}

export const defaultSpecsDir = join(projectRoot, 'specs');

interface Parsed {
  file: string;
  display: string;
  data: any;
  at: (path: (string | number)[], key?: boolean) => string;
}

function parseYamlFile(file: string): Parsed {
  const text = readFileSync(file, 'utf8');
  const rel = relative(process.cwd(), file);
  const display = rel && !rel.startsWith('..') ? rel : file;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    throw new ScenarioError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${display}:${pos?.line ?? 1}:${pos?.col ?? 1}: YAML syntax error: ${e.message.split('\n')[0]}`;
    }));
  }
  // Finds the deepest node that exists along the path and returns its position.
  const at = (path: (string | number)[], key = false): string => {
    let node: unknown = doc.contents;
    let pos = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        pos = key && seg === path[path.length - 1] ? keyNode.range?.[0] ?? pos : (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? pos;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item) break;
        pos = item.range?.[0] ?? pos;
        node = item;
      } else break;
      if (typeof node === 'object' && node && 'range' in node && !key) pos = (node as Node).range?.[0] ?? pos;
    }
    const { line, col } = lineCounter.linePos(pos);
    return `${display}:${line}:${col}`;
  };
  return { file, display, data: doc.toJS(), at };
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describePath(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || '(top level)';
}

/** Turns ajv's errors into a few messages a person can act on. */
function explain(errors: ErrorObject[], parsed: Parsed): string[] {
  // Branch errors of oneOf/anyOf repeat what the deeper errors say; keep the deepest ones.
  const concrete = errors.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword));
  const pool = concrete.length ? concrete : errors;
  const depth = (e: ErrorObject) => pointerToPath(e.instancePath).length + (e.keyword === 'additionalProperties' || e.keyword === 'required' ? 1 : 0);
  const maxDepth = Math.max(...pool.map(depth));
  const chosen = pool.filter((e) => depth(e) >= maxDepth - 0);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of chosen) {
    const path = pointerToPath(e.instancePath);
    let where = parsed.at(path);
    let what: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        where = parsed.at([...path, extra], true);
        const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
        what = `${describePath(path)}: unknown key "${extra}"; expected one of: ${allowed.join(', ')}`;
        break;
      }
      case 'required':
        what = `${describePath(path)}: missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'enum':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} is not allowed; expected one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        what = `${describePath(path)}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(e.data)}`;
        break;
      case 'pattern':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} does not match ${(e.params as { pattern: string }).pattern}`;
        break;
      case 'minProperties':
      case 'maxProperties':
        what = `${describePath(path)}: expected exactly one key naming the ${path.includes('steps') && path.length === 2 ? 'step kind' : 'item kind'}, got ${Object.keys((e.data as object) ?? {}).length}`;
        break;
      default:
        what = `${describePath(path)}: ${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${JSON.stringify(e.data)})` : ''}`;
    }
    const line = `${where}: ${what}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
    if (out.length >= 5) break;
  }
  return out;
}

export function loadCatalogue(file = join(defaultSpecsDir, 'rules.yaml')): RuleInfo[] {
  const parsed = parseYamlFile(file);
  const validate = validator('rules');
  if (!validate(parsed.data)) throw new ScenarioError(explain(validate.errors ?? [], parsed));
  const data: any = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  const rules: RuleInfo[] = data.rules.map((r: any, i: number) => {
    if (seen.has(r.id)) problems.push(`${parsed.at(['rules', i, 'id'])}: duplicate rule ID ${r.id}`);
    seen.add(r.id);
    const area = r.id.split('-')[1];
    return { id: r.id, text: r.text, strength: r.strength, section: r.section, since: r.since, ...(r.until ? { until: r.until } : {}), area, testable: r.testable !== false, ...(r.why ? { why: r.why } : {}), ...(r.needs ? { needs: r.needs } : {}) };
  });
  if (problems.length) throw new ScenarioError(problems);
  return rules;
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listYaml(full));
    else if (/\.ya?ml$/.test(name) && name !== 'rules.yaml') out.push(full);
  }
  return out;
}

/** Walks the steps and checks that every actor, room and event name is defined before use. */
function checkReferences(data: any, parsed: Parsed): string[] {
  const problems: string[] = [];
  const locals = new Set<string>(data.users ?? []);
  const remotes = new Set<string>(data.remote_users ?? []);
  const actors = new Set<string>([...locals, ...remotes]);
  const rooms = new Set<string>();
  const events = new Set<string>();
  for (const name of remotes) if (locals.has(name)) problems.push(`${parsed.at(['remote_users'])}: "${name}" is listed under both users and remote_users`);
  const need = (kind: 'actor' | 'room' | 'event', value: unknown, path: (string | number)[]) => {
    if (typeof value !== 'string') return;
    if (kind === 'event' && (value.startsWith('$') || value === 'main')) return;
    if (kind === 'actor' && value.startsWith('@')) return;
    if (kind === 'room' && value.startsWith('!')) return;
    const set = kind === 'actor' ? actors : kind === 'room' ? rooms : events;
    if (!set.has(value)) {
      const hint = kind === 'actor' ? 'list it under users or remote_users' : kind === 'room' ? 'create it with create_room first' : 'name it in an earlier send, react or remote_send step (or write a literal $event_id)';
      problems.push(`${parsed.at(path)}: unknown ${kind} "${value}"; ${hint}`);
    }
  };
  const needRemote = (value: unknown, path: (string | number)[]) => {
    if (typeof value !== 'string') return;
    if (!remotes.has(value)) problems.push(`${parsed.at(path)}: "${value}" must be a remote actor here; list it under remote_users`);
  };
  const define = (name: unknown, path: (string | number)[]) => {
    if (typeof name !== 'string') return;
    if (events.has(name)) problems.push(`${parsed.at(path)}: event name "${name}" is already used`);
    events.add(name);
  };
  /** Names inside {room:X}, {event:X}, {user:X} and {remote:X} placeholders of raw EDU content. */
  const checkPlaceholders = (value: unknown, path: (string | number)[]) => {
    const scan = (text: string) => {
      for (const m of text.matchAll(/\{(room|event|user|remote):([^}]+)\}/g)) {
        if (m[1] === 'remote') needRemote(m[2], path);
        else need(m[1] === 'user' ? 'actor' : (m[1] as 'room' | 'event'), m[2], path);
      }
    };
    const walk = (v: unknown) => {
      if (typeof v === 'string') scan(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
        scan(k);
        walk(x);
      }
    };
    walk(value);
  };
  const checkCheck = (check: any, path: (string | number)[]) => {
    const [kind, args] = Object.entries(check ?? {})[0] ?? [];
    if (!kind || typeof args !== 'object' || !args) return;
    const p = [...path, kind];
    if ('room' in args) need('room', (args as any).room, [...p, 'room']);
    if ('event' in args) need('event', (args as any).event, [...p, 'event']);
    if ('event_id' in args) need('event', (args as any).event_id, [...p, 'event_id']);
    if ('user' in args) need('actor', (args as any).user, [...p, 'user']);
    if (typeof (args as any).thread === 'string') need('event', (args as any).thread, [...p, 'thread']);
    for (const [i, r] of ((args as any).receipts ?? []).entries()) {
      need('actor', r.user, [...p, 'receipts', i, 'user']);
      need('event', r.event, [...p, 'receipts', i, 'event']);
    }
  };
  const checkRemoteMessage = (m: any, p: (string | number)[]) => {
    needRemote(m.as, [...p, 'as']);
    need('room', m.room, [...p, 'room']);
    if (typeof m.thread === 'string') need('event', m.thread, [...p, 'thread']);
    define(m.event, [...p, 'event']);
  };
  const checkStep = (step: any, p0: (string | number)[]) => {
    const [kind, args] = Object.entries(step)[0] as [string, any];
    const p = [...p0, kind];
    switch (kind) {
      case 'parallel':
        (args as any[]).forEach((inner, j) => checkStep(inner, [...p, j]));
        return;
      case 'remote_join':
        needRemote(args.user, [...p, 'user']);
        need('room', args.room, [...p, 'room']);
        return;
      case 'remote_send':
        checkRemoteMessage(args, p);
        return;
      case 'remote_release':
        for (const [j, e] of (args.events ?? []).entries()) need('event', e, [...p, 'events', j]);
        return;
      case 'inject_edu':
        // PDUs of the same transaction are named first, so that the EDUs can refer to them.
        for (const [j, m] of (args.with_pdus ?? []).entries()) checkRemoteMessage(m, [...p, 'with_pdus', j]);
        checkPlaceholders(args.content, [...p, 'content']);
        for (const [j, e] of (args.extra_edus ?? []).entries()) checkPlaceholders(e.content, [...p, 'extra_edus', j, 'content']);
        return;
      case 'edus_until':
        for (const list of ['until', 'throughout']) if (Array.isArray(args[list])) args[list].forEach((c: any, j: number) => checkCheck(c, [...p, list, j]));
        return;
      case 'inject_receipt':
        if (args.as !== undefined) needRemote(args.as, [...p, 'as']);
        break;
      default:
        if (args.as !== undefined) {
          need('actor', args.as, [...p, 'as']);
          if (remotes.has(args.as)) problems.push(`${parsed.at([...p, 'as'])}: "${args.as}" is a remote actor; ${kind} needs a local one (remote actors act through remote_send and inject_receipt)`);
        }
    }
    if (kind === 'create_room') {
      for (const [j, a] of (args.invite ?? []).entries()) need('actor', a, [...p, 'invite', j]);
      for (const [j, a] of (args.join ?? []).entries()) need('actor', a, [...p, 'join', j]);
      rooms.add(args.room);
      return;
    }
    if (args.room !== undefined) need('room', args.room, [...p, 'room']);
    if (args.user !== undefined) need('actor', args.user, [...p, 'user']);
    for (const key of ['event', 'fully_read', 'read', 'read_private', 'to']) {
      if (args[key] !== undefined && !(kind === 'send' && key === 'event') && !(kind === 'react' && key === 'event')) need('event', args[key], [...p, key]);
    }
    if (typeof args.thread === 'string') need('event', args.thread, [...p, 'thread']);
    for (const [j, a] of (args.mention ?? []).entries()) need('actor', a, [...p, 'mention', j]);
    for (const list of ['until', 'throughout', 'window', 'expect']) {
      if ((kind === 'sync' || kind === 'sync_until') && Array.isArray(args[list])) args[list].forEach((c: any, j: number) => checkCheck(c, [...p, list, j]));
    }
    if (args.relates_to?.to !== undefined) need('event', args.relates_to.to, [...p, 'relates_to', 'to']);
    if ((kind === 'send' || kind === 'react') && args.event) define(args.event, [...p, 'event']);
  };
  (data.steps ?? []).forEach((step: any, i: number) => checkStep(step, ['steps', i]));
  return problems;
}

export interface LoadOptions {
  dirs?: string[];
  catalogue?: RuleInfo[];
}

export function loadScenarios(opts: LoadOptions = {}): { scenarios: Scenario[]; rules: RuleInfo[] } {
  const rules = opts.catalogue ?? loadCatalogue();
  const known = new Set(rules.map((r) => r.id));
  const dirs = opts.dirs?.length ? opts.dirs : [defaultSpecsDir];
  const validate = validator('scenario');
  const problems: string[] = [];
  const scenarios: Scenario[] = [];
  const ids = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[];
    try {
      files = statSync(dir).isDirectory() ? listYaml(dir) : [dir];
    } catch {
      problems.push(`${dir}: no such scenario folder or file`);
      continue;
    }
    for (const file of files) {
      let parsed: Parsed;
      try {
        parsed = parseYamlFile(file);
      } catch (err) {
        if (err instanceof ScenarioError) problems.push(...err.problems);
        else throw err;
        continue;
      }
      if (!validate(parsed.data)) {
        problems.push(...explain(validate.errors ?? [], parsed));
        continue;
      }
      const data: any = parsed.data;
      const local: string[] = [];
      data.rules.forEach((r: string, i: number) => {
        if (!known.has(r)) local.push(`${parsed.at(['rules', i])}: unknown rule ${r}; rule IDs come from specs/rules.yaml`);
      });
      if (data.spec.until && versionKey(data.spec.until) <= versionKey(data.spec.since)) local.push(`${parsed.at(['spec', 'until'])}: until (${data.spec.until}) must come after since (${data.spec.since})`);
      const last = data.id.split('.').pop();
      if (basename(file).replace(/\.ya?ml$/, '') !== last) local.push(`${parsed.at(['id'])}: the file name must be the last part of the id ("${last}.yaml")`);
      const prev = ids.get(data.id);
      if (prev) local.push(`${parsed.at(['id'])}: duplicate scenario id ${data.id} (also in ${prev})`);
      ids.set(data.id, parsed.display);
      local.push(...checkReferences(data, parsed));
      // Checks may cite rules of their own.
      JSON.stringify(data.steps, (k, v) => {
        if (k === 'rules' && Array.isArray(v)) for (const r of v) if (!known.has(r)) local.push(`${parsed.display}: unknown rule ${r} in a step; rule IDs come from specs/rules.yaml`);
        return v;
      });
      if (local.length) {
        problems.push(...local);
        continue;
      }
      const root = dirs.length === 1 || dir === defaultSpecsDir ? dir : dirname(dir);
      const area = relative(statSync(dir).isDirectory() ? dir : dirname(dir), dirname(file)).split(sep).join('/') || basename(dirname(file));
      scenarios.push({
        id: data.id,
        title: data.title,
        rules: data.rules,
        level: data.level,
        spec: data.spec,
        tags: data.tags ?? [],
        notes: data.notes,
        users: data.users ?? [],
        remote_users: data.remote_users ?? [],
        steps: data.steps,
        file: parsed.display,
        area: area || relative(root, dirname(file)),
        stepLines: data.steps.map((_: unknown, i: number) => Number(parsed.at(['steps', i]).split(':').slice(-2)[0])),
      });
    }
  }
  if (problems.length) throw new ScenarioError(problems);
  return { scenarios: scenarios.sort((a, b) => a.id.localeCompare(b.id)), rules };
}
