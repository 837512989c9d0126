// Loads a target file: YAML, checked against the TypeBox schema with ajv, then the checks a
// schema cannot express (placeholders that exist, templates that exist, a valid regex). Every
// problem is reported as file:line:col with what was expected.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { TargetFileSchema, type TargetFile } from './schema.ts';
import { readYamlFile, pointerToPath, describePath, type ParsedYaml } from '../../safety/yaml.ts';
import { InputError } from '../../safety/input-error.ts';
import { PLACEHOLDER, placeholderNames } from './render.ts';

/** A target file that cannot be used: an InputError, so the CLI exits 2 and prints every problem. */
export { InputError as TargetFileError } from '../../safety/input-error.ts';

export interface TargetSpec extends TargetFile {
  /** Absolute path of the target file; templates are relative to its folder. */
  file: string;
}

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile<TargetFile>(TargetFileSchema);

function explain(errors: ErrorObject[], y: ParsedYaml): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    let where = y.at(path);
    let what: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = String(params.additionalProperty);
        where = y.at([...path, extra], true);
        const props = (e.parentSchema as { properties?: object; patternProperties?: object })?.properties;
        what = props
          ? `${describePath(path)}: unknown key "${extra}"; expected one of: ${Object.keys(props).join(', ')}`
          : `${describePath(path)}: key "${extra}" is not allowed here (${Object.keys((e.parentSchema as { patternProperties?: object }).patternProperties ?? {}).join(', ')})`;
        break;
      }
      case 'required':
        what = `${describePath(path)}: missing required key "${String(params.missingProperty)}"`;
        break;
      case 'enum':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} is not allowed; expected one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'pattern':
        what = `${describePath(path)}: ${JSON.stringify(e.data)} does not match ${String(params.pattern)}`;
        break;
      case 'minProperties':
      case 'maxProperties': {
        const keys = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
        what = `${describePath(path)}: expected exactly one of ${keys.join(', ')}; got ${Object.keys((e.data as object) ?? {}).length}`;
        break;
      }
      default: {
        const hint = (e.parentSchema as { description?: string } | undefined)?.description;
        what = `${describePath(path)}: ${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${JSON.stringify(e.data)})` : ''}${hint ? ` — ${hint}` : ''}`;
      }
    }
    out.add(`${where}: ${what}`);
    if (out.size >= 8) break;
  }
  return [...out];
}

/** Every string in the file, with its path, for the placeholder check. */
function* strings(value: unknown, path: (string | number)[] = []): Generator<[string, (string | number)[]]> {
  if (typeof value === 'string') yield [value, path];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

function semanticProblems(spec: TargetFile, y: ParsedYaml, file: string): string[] {
  const problems: string[] = [];
  const reg = spec.registration;
  if (reg.mode === 'shared-secret' && !reg.secret) problems.push(`${y.at(['registration'])}: registration: mode shared-secret needs "secret" (usually "{{secret.NAME}}")`);
  if (reg.mode === 'command' && !reg.argv) problems.push(`${y.at(['registration'])}: registration: mode command needs "argv"`);
  if (spec.install.pip?.exclude_newer) problems.push(`${y.at(['install', 'pip', 'exclude_newer'], true)}: install.pip: exclude_newer needs the uv installer; write "uv:" instead of "pip:"`);
  try {
    new RegExp(spec.ready.log);
  } catch (err) {
    problems.push(`${y.at(['ready', 'log'])}: ready.log: not a valid regular expression: ${(err as Error).message}`);
  }
  for (const [i, c] of (spec.config ?? []).entries()) {
    const template = resolve(dirname(file), c.template);
    if (!existsSync(template)) problems.push(`${y.at(['config', i, 'template'])}: config[${i}].template: no such file ${template}`);
  }
  const known = placeholderNames(spec);
  for (const [text, path] of strings(spec)) {
    for (const m of text.matchAll(PLACEHOLDER)) {
      const name = m[1]!;
      const ok = known.has(name) || (name === 'localpart' && path[0] === 'registration' && path[1] === 'argv');
      if (!ok) problems.push(`${y.at(path)}: ${describePath(path)}: unknown placeholder {{${name}}}; known here: ${[...known].sort().join(', ')}`);
    }
  }
  return problems;
}

/** Reads and checks a target file; throws InputError listing every problem found. */
export function loadTargetFile(path: string): TargetSpec {
  const file = resolve(path);
  const y = readYamlFile(file, {}, 'target file');
  if (!validate(y.data)) throw new InputError(explain(validate.errors ?? [], y));
  const spec = y.data as TargetFile;
  const problems = semanticProblems(spec, y, file);
  if (problems.length) throw new InputError(problems);
  return { ...spec, file };
}
