// From one check's outcome to its verdict. Which rules it stands for and at which level decide its
// role: an assertion of the scenario's own rules, a precondition (another rule's, whose failure
// blocks the scenario), or a record of spec-silent behaviour.
import type { CheckResult, CheckRole, RequestRecord } from '../model.ts';
import { statusForLevel, strongest, type Level } from '../verdict.ts';

export interface CheckSpec {
  where: string;
  /** The check as written, e.g. `receipt {"event":"hello"}`. */
  check: string;
  /** Rules the scenario author gave the check. */
  rules?: readonly string[];
  /** Rules the step or check kind stands for when the author gave none (e.g. R-CS-01 for a 200). */
  defaultRules?: readonly string[];
  level?: Level;
  /** Only record what was observed. */
  record?: boolean;
  /** An always-on check (a wire schema): an assertion of its own rules in every scenario. */
  auto?: boolean;
}

/** A check's outcome. Evidence is kept when it did not hold, and always for a record. */
export interface Verdict {
  ok: boolean;
  message?: string;
  expected?: unknown;
  actual?: unknown;
  request?: RequestRecord;
}

export interface ScenarioFacts {
  rules: readonly string[];
  level: Level;
  /** Each catalogue rule's level, for checks that stand for other rules. */
  ruleLevels: ReadonlyMap<string, Level>;
}

export function roleOf(spec: CheckSpec, rules: readonly string[], facts: ScenarioFacts): CheckRole {
  if (spec.record || spec.level === 'INFO' || facts.level === 'INFO') return 'record';
  if (spec.auto) return 'assert';
  return rules.some((r) => facts.rules.includes(r)) ? 'assert' : 'precondition';
}

export function judge(spec: CheckSpec, verdict: Verdict, facts: ScenarioFacts): CheckResult {
  const rules = [...(spec.rules ?? spec.defaultRules ?? facts.rules)];
  const role = roleOf(spec, rules, facts);
  const ownLevel = strongest(rules.map((r) => facts.ruleLevels.get(r)).filter((l): l is Level => l !== undefined));
  const level: Level = role === 'record' ? 'INFO' : spec.level ?? (role === 'assert' && !spec.auto ? facts.level : ownLevel ?? facts.level);
  const status = role === 'record' ? 'info' : verdict.ok ? 'pass' : statusForLevel(level);
  const result: CheckResult = { where: spec.where, check: spec.check, rules, level, role, status };
  if (verdict.message) result.message = verdict.message;
  if (!verdict.ok || role === 'record') {
    if (verdict.expected !== undefined) result.expected = verdict.expected;
    if (verdict.actual !== undefined) result.actual = verdict.actual;
    if (verdict.request) result.request = verdict.request;
  }
  return result;
}
