// Known deviations of one implementation, kept outside the scenarios (as WPT keeps its
// expectations): a scenario says what the spec requires, a deviations file says what a server does.
import type { Status } from '../verdict.ts';
import { formatValidator } from '../scenario/schema.ts';
import { explain } from '../scenario/loader.ts';
import { parseYamlFile, ScenarioError } from '../scenario/yaml.ts';

export interface Deviation {
  /** The statuses the server may get; several mark a known intermittent result. */
  status: Status[];
  reason: string;
  spec?: string;
  rules?: string[];
}

export interface Deviations {
  file: string;
  server?: string;
  byId: Record<string, Deviation>;
}

export function loadDeviations(file: string, knownIds?: ReadonlySet<string>): Deviations {
  const parsed = parseYamlFile(file, 'deviations file');
  const validate = formatValidator('deviations');
  if (!validate(parsed.data)) throw new ScenarioError(explain(validate.errors ?? [], parsed));
  const data = parsed.data as { server?: string; deviations: Record<string, { status: Status | Status[]; reason: string; spec?: string; rules?: string[] }> };
  const problems: string[] = [];
  const byId: Record<string, Deviation> = {};
  for (const [id, d] of Object.entries(data.deviations)) {
    if (knownIds && !knownIds.has(id)) problems.push(`${parsed.at(['deviations', id], true)}: ${id}: no scenario has this id`);
    byId[id] = { status: Array.isArray(d.status) ? d.status : [d.status], reason: d.reason.trim(), ...(d.spec ? { spec: d.spec.trim() } : {}), ...(d.rules ? { rules: d.rules } : {}) };
  }
  if (problems.length) throw new ScenarioError(problems);
  return { file, ...(data.server ? { server: data.server } : {}), byId };
}
