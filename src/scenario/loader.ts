// Loads scenario files and the rule catalogue, and reports every problem as file:line:col with
// what was expected, so that a scenario author can fix it without reading the engine.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, basename, dirname, sep } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { makeAjv, formatValidator, projectRoot } from './schema.ts';
import { versionKey } from './spec-version.ts';
import { ScenarioDocument } from './document.ts';
import { checkNames } from './names.ts';
import { parseYamlFile, ScenarioError, type ParsedYaml } from './yaml.ts';
import { describePath, pointerToPath } from '../safety/yaml.ts';
import type { Capability, Scenario } from './types.ts';
import type { RuleInfo } from '../model.ts';
import { levelOfWord } from '../verdict.ts';
import { ALL_STEPS } from '../runner/steps/index.ts';
import { asObject } from '../runner/json.ts';

export { ScenarioError } from './yaml.ts';

export const defaultSpecsDir = join(projectRoot, 'specs');
const MAX_PROBLEMS_PER_FILE = 5;

/** Turns ajv's errors into a few messages a person can act on. */
export function explain(errors: ErrorObject[], parsed: ParsedYaml): string[] {
  // Branch errors of anyOf repeat what the deeper errors say; keep the deepest ones.
  const concrete = errors.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword));
  const pool = concrete.length ? concrete : errors;
  const depth = (e: ErrorObject) => pointerToPath(e.instancePath).length + (e.keyword === 'additionalProperties' || e.keyword === 'required' ? 1 : 0);
  const maxDepth = Math.max(...pool.map(depth));
  const out = new Set<string>();
  for (const e of pool.filter((x) => depth(x) >= maxDepth)) {
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
      case 'const':
        what = `${describePath(path)}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(e.data)}`;
        break;
      case 'enum':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} is not allowed; expected one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'pattern':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} does not match ${(e.params as { pattern: string }).pattern}`;
        break;
      default:
        what = `${describePath(path)}: ${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${JSON.stringify(e.data)})` : ''}`;
    }
    out.add(`${where}: ${what}`);
    if (out.size >= MAX_PROBLEMS_PER_FILE) break;
  }
  return [...out];
}

/** Unknown kinds get a clear message before the schema's union errors. */
function unknownKinds(data: unknown, parsed: ParsedYaml): string[] {
  const known = new Set(ALL_STEPS.map((k) => k.kind));
  const steps = Array.isArray(asObject(data)?.steps) ? (asObject(data)!.steps as unknown[]) : [];
  const out: string[] = [];
  steps.forEach((s, i) => {
    const keys = Object.keys(asObject(s) ?? {});
    if (keys.length !== 1) out.push(`${parsed.at(['steps', i])}: expected one key naming the step kind, got ${keys.length}`);
    else if (!known.has(keys[0]!)) out.push(`${parsed.at(['steps', i, keys[0]!], true)}: unknown step kind "${keys[0]}"; expected one of: ${[...known].join(', ')}`);
  });
  return out;
}

export function loadCatalogue(file = join(defaultSpecsDir, 'rules.yaml')): RuleInfo[] {
  const parsed = parseYamlFile(file);
  const validate = formatValidator('rules');
  if (!validate(parsed.data)) throw new ScenarioError(explain(validate.errors ?? [], parsed));
  const data = parsed.data as { rules: Record<string, string | boolean | undefined>[] };
  const problems: string[] = [];
  const seen = new Set<string>();
  const rules = data.rules.map((r, i): RuleInfo => {
    const id = String(r.id);
    if (seen.has(id)) problems.push(`${parsed.at(['rules', i, 'id'])}: duplicate rule ID ${id}`);
    seen.add(id);
    const opt = (k: string) => (typeof r[k] === 'string' ? { [k]: r[k] as string } : {});
    return {
      id,
      text: String(r.text),
      level: levelOfWord(String(r.level)),
      section: String(r.section),
      since: String(r.since),
      area: id.split('-')[1]!,
      testable: r.testable !== false,
      ...opt('quote'),
      ...opt('link'),
      ...opt('until'),
      ...opt('why'),
      ...opt('needs'),
    };
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

let compiled: ValidateFunction | undefined;
function documentValidator(): ValidateFunction {
  return (compiled ??= makeAjv().compile(ScenarioDocument));
}

function loadOne(file: string, root: string, known: ReadonlySet<string>, ids: Map<string, string>): Scenario | string[] {
  let parsed: ParsedYaml;
  try {
    parsed = parseYamlFile(file);
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  const kinds = unknownKinds(parsed.data, parsed);
  if (kinds.length) return kinds;
  const validate = documentValidator();
  if (!validate(parsed.data)) return explain(validate.errors ?? [], parsed);
  const data = parsed.data as { id: string; title: string; rules: string[]; level: Scenario['level']; spec: Scenario['spec']; tags?: string[]; needs?: Capability[]; tentative?: string; notes?: string; users?: string[]; guests?: string[]; remote_users?: string[]; steps: Scenario['steps'] };
  const problems: string[] = [];
  data.rules.forEach((r, i) => {
    if (!known.has(r)) problems.push(`${parsed.at(['rules', i])}: unknown rule ${r}; rule IDs come from specs/rules.yaml`);
  });
  if (data.spec.until && versionKey(data.spec.until) <= versionKey(data.spec.since)) problems.push(`${parsed.at(['spec', 'until'])}: until (${data.spec.until}) must come after since (${data.spec.since})`);
  const last = data.id.split('.').pop();
  if (basename(file).replace(/\.ya?ml$/, '') !== last) problems.push(`${parsed.at(['id'])}: the file name must be the last part of the id ("${last}.yaml")`);
  const prev = ids.get(data.id);
  if (prev) problems.push(`${parsed.at(['id'])}: duplicate scenario id ${data.id} (also in ${prev})`);
  ids.set(data.id, parsed.display);
  problems.push(...checkNames({ users: data.users ?? [], remoteUsers: data.remote_users ?? [], steps: data.steps, knownRules: known }, parsed));
  const needs = new Set(data.needs ?? []);
  data.steps.forEach((s, i) => {
    const kind = ALL_STEPS.find((k) => k.kind === Object.keys(s)[0]);
    if (kind?.needs && !needs.has(kind.needs)) problems.push(`${parsed.at(['steps', i])}: ${kind.kind} needs ${kind.needs}; add it to the scenario's needs`);
  });
  (data.guests ?? []).forEach((g, i) => {
    if (!(data.users ?? []).includes(g)) problems.push(`${parsed.at(['guests', i])}: guest ${g} must also be listed under users`);
  });
  if (data.guests?.length && !needs.has('guest')) problems.push(`${parsed.at(['guests'])}: guests need guest; add it to the scenario's needs`);
  if (data.remote_users?.length && !needs.has('federation')) problems.push(`${parsed.at(['remote_users'])}: remote users need federation; add it to the scenario's needs`);
  if (problems.length) return problems.slice(0, MAX_PROBLEMS_PER_FILE);
  const area = relative(root, dirname(file)).split(sep).join('/') || basename(dirname(file));
  return {
    id: data.id,
    title: data.title,
    rules: data.rules,
    level: data.level,
    spec: data.spec,
    tags: data.tags ?? [],
    needs: data.needs ?? [],
    ...(data.tentative ? { tentative: data.tentative } : {}),
    ...(data.notes ? { notes: data.notes } : {}),
    users: data.users ?? [],
    guests: data.guests ?? [],
    remote_users: data.remote_users ?? [],
    steps: data.steps,
    file: parsed.display,
    area,
    stepLines: data.steps.map((_, i) => parsed.line(['steps', i])),
  };
}

export interface LoadOptions {
  dirs?: string[];
  catalogue?: RuleInfo[];
}

export function loadScenarios(opts: LoadOptions = {}): { scenarios: Scenario[]; rules: RuleInfo[] } {
  const rules = opts.catalogue ?? loadCatalogue();
  const known = new Set(rules.map((r) => r.id));
  const dirs = opts.dirs?.length ? opts.dirs : [defaultSpecsDir];
  const problems: string[] = [];
  const scenarios: Scenario[] = [];
  const ids = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[];
    let root: string;
    try {
      const isDir = statSync(dir).isDirectory();
      files = isDir ? listYaml(dir) : [dir];
      root = isDir ? dir : dirname(dirname(dir));
    } catch {
      problems.push(`${dir}: no such scenario folder or file`);
      continue;
    }
    for (const file of files) {
      const r = loadOne(file, root, known, ids);
      if (Array.isArray(r)) problems.push(...r);
      else scenarios.push(r);
    }
  }
  if (problems.length) throw new ScenarioError(problems);
  return { scenarios: scenarios.sort((a, b) => a.id.localeCompare(b.id)), rules };
}
