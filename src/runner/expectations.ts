// Known deviations of one implementation, kept outside the scenarios (as WPT keeps its
// expectations): a scenario says what the spec requires, this file says what a server does.
import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
import type { Status } from '../model.ts';
import { ScenarioError } from '../scenario/loader.ts';
import { STATUSES } from '../model.ts';

export interface Deviation {
  /** The status the server gets; a list marks a known intermittent result (any of them is expected). */
  status: Status | Status[];
  reason: string;
  spec?: string;
  rules?: string[];
}

export interface Expectations {
  file: string;
  server?: string;
  deviations: Map<string, Deviation>;
}

export function loadExpectations(file: string, knownIds?: Set<string>): Expectations {
  const text = readFileSync(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) throw new ScenarioError(doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message.split('\n')[0]}`));
  const data = (doc.toJS() ?? {}) as { server?: string; deviations?: Record<string, any> };
  const problems: string[] = [];
  const deviations = new Map<string, Deviation>();
  for (const [id, d] of Object.entries(data.deviations ?? {})) {
    const node = doc.getIn(['deviations', id], true) as { range?: [number] } | undefined;
    const pos = lc.linePos(node?.range?.[0] ?? 0);
    const at = `${file}:${pos.line}:${pos.col}`;
    if (!d || typeof d !== 'object') {
      problems.push(`${at}: ${id}: expected a mapping with status and reason`);
      continue;
    }
    const statuses = Array.isArray(d.status) ? d.status : [d.status];
    if (!statuses.length || statuses.some((st: unknown) => !STATUSES.includes(st as Status))) problems.push(`${at}: ${id}: status must be one of ${STATUSES.join(', ')}, or a list of them for an intermittent result`);
    if (typeof d.reason !== 'string' || d.reason.trim().length < 10) problems.push(`${at}: ${id}: every deviation needs a reason`);
    if (knownIds && !knownIds.has(id)) problems.push(`${at}: ${id}: no scenario has this id`);
    deviations.set(id, { status: d.status, reason: String(d.reason ?? '').trim(), spec: d.spec, rules: d.rules });
  }
  if (problems.length) throw new ScenarioError(problems);
  return { file, server: data.server, deviations };
}
