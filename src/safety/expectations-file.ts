// An expectations file records a server's known deviations; a file that is not one must stop the
// run (exit 2), never be read as "no deviations", which would judge the server by the wrong bar.
import { readYamlFile, type ParsedYaml, type YamlLimits } from './yaml.ts';
import { InputError, capProblems } from './input-error.ts';
import { STATUSES, type Status } from '../model.ts';

export interface DeviationEntry {
  /** The status the server gets; a list marks a known intermittent result. */
  status: Status | Status[];
  reason: string;
  spec?: string;
  rules?: string[];
}

export interface ExpectationsFile {
  file: string;
  server?: string;
  deviations: Map<string, DeviationEntry>;
}

const TOP_KEYS = ['server', 'deviations'];
const ENTRY_KEYS = ['status', 'reason', 'spec', 'rules'];

/**
 * Reads and checks an expectations file: a mapping with `deviations: {scenario id: {status,
 * reason, spec?, rules?}}` and an optional `server`. With `knownIds`, every id must name a
 * scenario. Throws InputError (file:line:col per problem).
 */
export function loadExpectationsFile(file: string, opts: { knownIds?: Set<string>; limits?: Partial<YamlLimits> } = {}): ExpectationsFile {
  const parsed = readYamlFile(file, opts.limits, 'expectations file');
  return checkExpectations(parsed, opts.knownIds);
}

export function checkExpectations(parsed: ParsedYaml, knownIds?: Set<string>): ExpectationsFile {
  const data = parsed.data;
  const shape = 'a mapping with "deviations: {<scenario id>: {status, reason}}"';
  if (data === null || data === undefined) throw new InputError([`${parsed.display}: is empty; expected ${shape} (write "deviations: {}" for none)`]);
  if (typeof data !== 'object' || Array.isArray(data)) throw new InputError([`${parsed.at([])}: expected ${shape}, got ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`]);
  const top = data as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) problems.push(`${parsed.at([k], true)}: unknown key "${k}"; expected ${TOP_KEYS.join(', ')}`);
  if (top.server !== undefined && typeof top.server !== 'string') problems.push(`${parsed.at(['server'])}: server must be a string`);
  if (!('deviations' in top)) problems.push(`${parsed.at([])}: missing "deviations" (write "deviations: {}" for none)`);
  const devs = top.deviations ?? {};
  if (devs === null || typeof devs !== 'object' || Array.isArray(devs)) {
    problems.push(`${parsed.at(['deviations'])}: "deviations" must be a mapping from scenario id to {status, reason}, got ${Array.isArray(devs) ? 'a list' : typeof devs}`);
    throw new InputError(problems);
  }
  const deviations = new Map<string, DeviationEntry>();
  for (const [id, d] of Object.entries(devs as Record<string, unknown>)) {
    const at = parsed.at(['deviations', id]);
    if (!d || typeof d !== 'object' || Array.isArray(d)) {
      problems.push(`${at}: ${id}: expected a mapping with status and reason`);
      continue;
    }
    const e = d as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.includes(k)) problems.push(`${parsed.at(['deviations', id, k], true)}: ${id}: unknown key "${k}"; expected ${ENTRY_KEYS.join(', ')}`);
    const statuses = Array.isArray(e.status) ? e.status : [e.status];
    if (!statuses.length || statuses.some((st) => !STATUSES.includes(st as Status))) problems.push(`${parsed.at(['deviations', id, 'status'])}: ${id}: status must be one of ${STATUSES.join(', ')}, or a list of them for an intermittent result`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) problems.push(`${parsed.at(['deviations', id, 'reason'])}: ${id}: every deviation needs a reason (at least 10 characters)`);
    if (e.spec !== undefined && typeof e.spec !== 'string') problems.push(`${parsed.at(['deviations', id, 'spec'])}: ${id}: spec must be a string`);
    if (e.rules !== undefined && (!Array.isArray(e.rules) || e.rules.some((r) => typeof r !== 'string'))) problems.push(`${parsed.at(['deviations', id, 'rules'])}: ${id}: rules must be a list of rule IDs`);
    if (knownIds && !knownIds.has(id)) problems.push(`${at}: ${id}: no scenario has this id`);
    deviations.set(id, {
      status: e.status as Status | Status[],
      reason: String(e.reason ?? '').trim(),
      ...(typeof e.spec === 'string' ? { spec: e.spec } : {}),
      ...(Array.isArray(e.rules) ? { rules: e.rules as string[] } : {}),
    });
  }
  if (problems.length) throw new InputError(capProblems(problems));
  return { file: parsed.file, ...(typeof top.server === 'string' ? { server: top.server } : {}), deviations };
}
