// Helpers shared by the report writers, so every format ranks and labels results the same way.

import type { Level, ScenarioResult, Status, TargetReport } from '../src/model.ts';

export const LEVELS: readonly Level[] = ['MUST', 'SHOULD', 'MAY', 'INFO'];

/** Severity used to pick one verdict for a rule out of many scenarios: error > fail > non-strict > unsupported > info > pass > skip. */
const SEVERITY: Record<Status, number> = {
  error: 6,
  fail: 5,
  'non-strict': 4,
  unsupported: 3,
  info: 2,
  pass: 1,
  skip: 0,
};

export function worstStatus(statuses: Iterable<Status>): Status | undefined {
  let worst: Status | undefined;
  for (const s of statuses) if (worst === undefined || SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/** What the expectations file is taken to say when it says nothing (mirrors the runner's rule). */
export function defaultExpected(s: Pick<ScenarioResult, 'level'>): Status {
  return s.level === 'INFO' ? 'info' : 'pass';
}

/**
 * A known deviation: the result matched the expectations file, and the file predicted something
 * other than the default. A predicted skip is not a deviation from the spec, just a scenario not run.
 */
export function isKnownDeviation(s: ScenarioResult): boolean {
  if (s.unexpected || s.status === 'skip') return false;
  return s.expectationReason !== undefined || s.expected !== defaultExpected(s);
}

/** Statuses whose matrix cell is worth opening: something went wrong or was observed. */
export function hasDetail(s: ScenarioResult): boolean {
  return s.status === 'fail' || s.status === 'non-strict' || s.status === 'info' || s.status === 'error' || s.findings.length > 0;
}

/** Every rule ID a scenario stands for, including ones only its findings cite. */
export function citedRules(s: ScenarioResult): Set<string> {
  const ids = new Set(s.rules);
  for (const f of s.findings) for (const r of f.rules) ids.add(r);
  return ids;
}

export interface ScenarioRow {
  id: string;
  title: string;
  area: string;
  level: Level;
  rules: string[];
  /** One entry per target, in target order; undefined where the target did not report the scenario. */
  cells: (ScenarioResult | undefined)[];
}

/**
 * Scenarios of all targets merged into one row per scenario ID, grouped by area.
 * Targets may have run different subsets, so the union is taken; first appearance fixes the order.
 */
export function matrixRows(targets: readonly TargetReport[]): Map<string, ScenarioRow[]> {
  const byId = new Map<string, ScenarioRow>();
  targets.forEach((t, ti) => {
    for (const s of t.scenarios) {
      let row = byId.get(s.id);
      if (!row) {
        row = { id: s.id, title: s.title, area: s.area, level: s.level, rules: s.rules, cells: targets.map(() => undefined) };
        byId.set(s.id, row);
      }
      row.cells[ti] = s;
    }
  });
  const byArea = new Map<string, ScenarioRow[]>();
  for (const row of byId.values()) {
    const list = byArea.get(row.area) ?? [];
    list.push(row);
    byArea.set(row.area, list);
  }
  return byArea;
}

/**
 * JSON for humans. Never throws: a report writer must not die on a strange `actual`
 * (bigint, cycles), and huge bodies are cut so one finding cannot swamp the page.
 */
export function prettyJson(value: unknown, maxChars = 20_000): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(jsonSafe(value, new Set()), null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text, maxChars);
}

// Only true cycles are cut (ancestors, not every object seen), so shared sub-objects still print in full.
function jsonSafe(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return `${value.toString()}n`;
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[circular]';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => jsonSafe(v, ancestors));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}

export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n… [${text.length - maxChars} more characters truncated]`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function softwareLabel(t: TargetReport): string {
  return t.software ? `${t.software.name} ${t.software.version}` : 'unknown software';
}
