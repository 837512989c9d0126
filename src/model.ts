// The result model shared by the runner, the vitest collector and the report writers.

/** A scenario's strength, after RFC 2119. INFO marks behaviour the spec leaves open. */
export type Level = 'MUST' | 'SHOULD' | 'MAY' | 'INFO';

/**
 * Verdicts, on Autobahn's scale.
 * - pass: the server did what the rule asks.
 * - fail: a MUST was broken.
 * - non-strict: a SHOULD was not met; still conformant.
 * - info: the spec is silent; what the server did is recorded in `observed`.
 * - unsupported: an optional (MAY) feature is absent.
 * - skip: not run (spec version out of range, or filtered out).
 * - error: the harness or the target broke; not a verdict on conformance.
 */
export type Status = 'pass' | 'fail' | 'non-strict' | 'info' | 'unsupported' | 'skip' | 'error';

export const STATUSES: readonly Status[] = ['pass', 'fail', 'non-strict', 'info', 'unsupported', 'skip', 'error'];

/** The request behind a failed check, with secrets already stripped. */
export interface RequestRecord {
  method: string;
  path: string;
  body?: unknown;
  status?: number;
  response?: unknown;
}

/** One failed or informational check inside a scenario. */
export interface Finding {
  /** Which check produced it: step index and kind, e.g. "step 5 sync_until". */
  where: string;
  /** The rule IDs the check stands for. */
  rules: string[];
  /** The strength the check was judged at. */
  level: Level;
  /** One line on what went wrong, or what was observed for INFO. */
  message: string;
  expected?: unknown;
  actual?: unknown;
  request?: RequestRecord;
}

export interface ScenarioResult {
  id: string;
  title: string;
  file: string;
  area: string;
  rules: string[];
  level: Level;
  tags: string[];
  status: Status;
  /** The status the expectations file predicts; `pass` (or `info` for INFO scenarios) when it says nothing. */
  expected: Status;
  /** Whether `status` differs from `expected`. */
  unexpected: boolean;
  /** The reason the expectations file gives for a known deviation. */
  expectationReason?: string;
  durationMs: number;
  /** Milliseconds spent waiting on HTTP responses, for the benchmark. */
  httpWaitMs: number;
  message: string;
  findings: Finding[];
}

export interface TargetSummary {
  total: number;
  pass: number;
  fail: number;
  'non-strict': number;
  info: number;
  unsupported: number;
  skip: number;
  error: number;
  unexpected: number;
}

export interface TargetReport {
  id: string;
  kind: 'synapse' | 'url' | 'dendrite' | 'container' | 'declared';
  homeserver: string;
  software: { name: string; version: string } | null;
  startup?: { ms: number; cold: boolean };
  expectationsFile?: string;
  summary: TargetSummary;
  scenarios: ScenarioResult[];
}

export interface RuleInfo {
  id: string;
  text: string;
  strength: string;
  section: string;
  since: string;
  until?: string;
  area: string;
  testable: boolean;
  why?: string;
  needs?: 'federation' | 'appservice';
}

export interface ComplianceReport {
  suite: { name: 'receipts-conformance'; version: string };
  spec: { version: string };
  generatedAt: string;
  durationMs: number;
  rules: RuleInfo[];
  targets: TargetReport[];
}

export function summarise(scenarios: ScenarioResult[]): TargetSummary {
  const s: TargetSummary = { total: scenarios.length, pass: 0, fail: 0, 'non-strict': 0, info: 0, unsupported: 0, skip: 0, error: 0, unexpected: 0 };
  for (const r of scenarios) {
    s[r.status] += 1;
    if (r.unexpected) s.unexpected += 1;
  }
  return s;
}
