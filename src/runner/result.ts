// The one place a ScenarioResult is built: from a run's outcome, or for a scenario that did not
// run (skipped, or the runner died first), with the deviation that applies.
import type { CheckResult, RequestRecord, ScenarioResult } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import { defaultStatus, type Status } from '../verdict.ts';
import type { Deviation } from './deviations.ts';
import { reproducerScript } from '../report-tools/reproducer.ts';

export interface Outcome {
  status: Status;
  message: string;
  checks?: CheckResult[];
  durationMs?: number;
  httpWaitMs?: number;
  transcript?: RequestRecord[];
  rateLimited?: { count: number; waitedMs: number };
  deadlineWaitMs?: number;
}

/** The statuses a scenario may get without surprising anyone. */
export function allowedStatuses(s: Pick<Scenario, 'level'>, status: Status, deviation?: Deviation): Status[] {
  if (deviation) return deviation.status;
  // A scenario that did not run because of its spec range or a missing capability is no surprise.
  return status === 'skip' ? ['skip'] : [defaultStatus(s.level)];
}

export function resultFor(s: Scenario, outcome: Outcome, deviation?: Deviation): ScenarioResult {
  const allowed = allowedStatuses(s, outcome.status, deviation);
  return {
    id: s.id,
    title: s.title,
    file: s.file,
    area: s.area,
    rules: s.rules,
    level: s.level,
    tags: s.tags,
    ...(s.tentative ? { tentative: s.tentative } : {}),
    status: outcome.status,
    ...(deviation ? { deviation: { status: deviation.status, reason: deviation.reason } } : {}),
    unexpected: !allowed.includes(outcome.status),
    durationMs: outcome.durationMs ?? 0,
    httpWaitMs: outcome.httpWaitMs ?? 0,
    message: outcome.message,
    checks: outcome.checks ?? [],
    ...(outcome.transcript?.length ? { transcript: outcome.transcript, reproducer: reproducerScript(outcome.transcript) } : {}),
    ...(outcome.rateLimited ? { rateLimited: outcome.rateLimited } : {}),
    ...(outcome.deadlineWaitMs ? { deadlineWaitMs: outcome.deadlineWaitMs } : {}),
  };
}

/** The status a reader should compare against: the deviation's, else the level's default. */
export function expectedStatus(r: Pick<ScenarioResult, 'deviation' | 'level' | 'status'>): Status {
  if (r.deviation) return r.deviation.status.includes(r.status) ? r.status : r.deviation.status[0]!;
  return r.status === 'skip' ? 'skip' : defaultStatus(r.level);
}
