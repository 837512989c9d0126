// Helpers shared by the report writers, so every format ranks and labels results the same way.
import type { CheckResult, ComplianceReport, ScenarioResult, TargetReport } from '../src/model.ts';
import { worstOf, type Status } from '../src/verdict.ts';

export { LEVELS, STATUSES, LEGEND, LEVEL_LEGEND } from '../src/verdict.ts';
export { expectedStatus } from '../src/runner/result.ts';

/** A known deviation: the result matched what the deviations file predicts for it. */
export function isKnownDeviation(s: ScenarioResult): boolean {
  return !s.unexpected && s.status !== 'skip' && s.deviation !== undefined;
}

/** Statuses whose matrix cell is worth opening: something went wrong or was observed. */
export function hasDetail(s: ScenarioResult): boolean {
  return s.status !== 'pass' && s.status !== 'skip' ? true : s.checks.some((c) => c.role === 'record' || c.status !== 'pass');
}

/** Checks worth showing: everything but plain passes. */
export function notableChecks(s: ScenarioResult): CheckResult[] {
  return s.checks.filter((c) => c.status !== 'pass' || c.role === 'record');
}

/**
 * What each rule's verdict rests on, for one target: the statuses of the checks that stand for it
 * and actually ran. A rule whose scenarios were all blocked or skipped says so.
 */
export function ruleVerdicts(t: TargetReport): Map<string, Status> {
  const checks = new Map<string, Status[]>();
  const fallback = new Map<string, Status[]>();
  for (const s of t.scenarios) {
    for (const c of s.checks) for (const r of c.rules) checks.set(r, [...(checks.get(r) ?? []), c.status]);
    if (s.status === 'blocked' || s.status === 'skip' || s.status === 'error') for (const r of s.rules) fallback.set(r, [...(fallback.get(r) ?? []), s.status]);
  }
  const out = new Map<string, Status>();
  for (const [r, list] of checks) out.set(r, worstOf(list)!);
  for (const [r, list] of fallback) if (!out.has(r)) out.set(r, worstOf(list)!);
  return out;
}

export interface ScenarioRow {
  id: string;
  title: string;
  area: string;
  level: ScenarioResult['level'];
  rules: string[];
  tentative?: string;
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
        row = { id: s.id, title: s.title, area: s.area, level: s.level, rules: s.rules, ...(s.tentative ? { tentative: s.tentative } : {}), cells: targets.map(() => undefined) };
        byId.set(s.id, row);
      }
      row.cells[ti] = s;
    }
  });
  const byArea = new Map<string, ScenarioRow[]>();
  for (const row of byId.values()) {
    // Tentative scenarios live under specs/tentative/ already; say so once, not twice.
    const area = row.tentative ? `tentative (${row.area.replace(/^tentative\//, '')})` : row.area;
    byArea.set(area, [...(byArea.get(area) ?? []), row]);
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

/** Broken checks by level: the prose MUSTs apart from the API contracts. */
export function brokenByLevel(t: TargetReport): { must: number; api: number; should: number } {
  const count = { must: 0, api: 0, should: 0 };
  for (const s of t.scenarios) {
    if (s.tentative) continue;
    for (const c of s.checks) {
      if (c.role === 'record' || c.status === 'pass') continue;
      if (c.level === 'MUST' && c.status === 'fail') count.must += 1;
      else if (c.level === 'API' && c.status === 'fail') count.api += 1;
      else if (c.level === 'SHOULD' && c.status === 'non-strict') count.should += 1;
    }
  }
  return count;
}

/** The spec version(s) tested: the run's, or each target's where targets were tested at their own. */
export function specVersionsText(report: ComplianceReport): string {
  const own = report.targets.filter((t) => t.specVersion && t.specVersion !== report.spec.version);
  if (!own.length) return report.spec.version;
  return `${report.spec.version}; ${own.map((t) => `${t.id} at ${t.specVersion}`).join(', ')}`;
}
