// Runs one scenario against a live target. Never throws: a harness or target failure becomes
// status error, with the cause in the message. Checks are soft: a failed check is recorded and the
// scenario goes on, except after a failed precondition, which blocks it.
import { MatrixApi, MatrixUser } from '../client/matrix.ts';
import type { Registrar } from '../client/register.ts';
import { TransportError } from '../client/http.ts';
import type { CheckResult, RequestRecord } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import { isBroken, worst, type Status } from '../verdict.ts';
import { HarnessError, ScenarioContext, Unsupported, type RunSettings } from './context.ts';
import { runStep } from './steps/index.ts';
import { markPosition } from './streams/sync.ts';
import { startFederation, stopFederation } from './federation.ts';

export interface RunDeps {
  api: MatrixApi;
  registrar: Registrar;
  settings: RunSettings;
}

/** What a run of a scenario found; result.ts turns it into a ScenarioResult. */
export interface ScenarioOutcome {
  status: Status;
  message: string;
  checks: CheckResult[];
  durationMs: number;
  httpWaitMs: number;
  transcript?: RequestRecord[];
  /** Milliseconds spent running out wait deadlines. */
  deadlineWaitMs?: number;
  /** 429s the scenario met, and how long it waited because the server asked. */
  rateLimited?: { count: number; waitedMs: number };
  /** The target did not answer at all (refused, reset, timed out): what the circuit breaker counts. */
  unreachable?: boolean;
}

/** The scenario's status: the worst of its checks; a failed precondition counts as blocked. */
export function verdictOf(scenario: Pick<Scenario, 'level'>, checks: readonly CheckResult[]): Status {
  let status: Status = scenario.level === 'INFO' ? 'info' : 'pass';
  for (const c of checks) {
    if (c.role === 'record') continue;
    if (c.role === 'precondition') status = isBroken(c.status) ? worst(status, 'blocked') : status;
    else status = worst(status, c.status);
  }
  return status;
}

function messageFor(status: Status, scenario: Scenario, checks: readonly CheckResult[], blocked?: CheckResult): string {
  const records = checks.filter((c) => c.role === 'record' && c.message).map((c) => c.message);
  if (status === 'pass') return records.length ? `pass; ${records.join('; ')}` : 'pass';
  if (status === 'info') return records.join('; ') || 'observed the expected behaviour';
  const firstBroken = checks.find((c) => c.role === 'assert' && isBroken(c.status));
  if (status === 'blocked' && blocked) {
    const cause = blocked.rules.length ? `precondition ${blocked.rules.join(', ')} failed` : 'a setup check failed';
    return `${scenario.rules.join(', ')} could not be exercised: ${cause} at ${blocked.where}: ${blocked.message ?? blocked.check}`;
  }
  return firstBroken ? `${firstBroken.where}: ${firstBroken.message ?? firstBroken.check}` : status;
}

function failureOf(err: unknown): { status: Status; message: string; unreachable?: boolean } {
  if (err instanceof Unsupported) return { status: 'unsupported', message: err.message };
  if (err instanceof HarnessError) return { status: 'error', message: err.message };
  if (err instanceof TransportError) return { status: 'error', message: `no answer from ${err.url.replace(/\?.*/, '')}: ${err.message.split(': ').slice(1).join(': ')}`, unreachable: true };
  return { status: 'error', message: `harness error: ${(err as Error)?.stack ?? String(err)}` };
}

export async function runScenario(scenario: Scenario, deps: RunDeps): Promise<ScenarioOutcome> {
  const started = performance.now();
  let httpWaitMs = 0;
  const rateLimited = { count: 0, waitedMs: 0 };
  let ctx: ScenarioContext | undefined;
  // A scenario-local client: the time spent waiting on the server and the requests are its own.
  const api = new MatrixApi({
    ...deps.api.opts,
    onExchange: (record, ms) => {
      httpWaitMs += ms;
      ctx?.keep(record);
    },
    onRateLimited: (event) => {
      rateLimited.count += 1;
      if (event.action === 'retried') rateLimited.waitedMs += event.askedMs ?? 0;
    },
  });
  ctx = new ScenarioContext(scenario, api, deps.registrar, deps.settings);
  let failure: { status: Status; message: string; unreachable?: boolean } | undefined;
  try {
    await Promise.all(
      scenario.users.map(async (actor) => {
        const user = await deps.registrar.register(ctx!.localpart(actor), scenario.guests.includes(actor) ? 'guest' : 'user');
        ctx!.users.set(actor, new MatrixUser(api, user.userId, user.accessToken, user.deviceId, actor));
      }),
    );
    await Promise.all([...scenario.users.map((actor) => markPosition(ctx!, actor)), ...(scenario.needs.includes('federation') ? [startFederation(ctx, api.baseUrl)] : [])]);
    for (const [i, step] of scenario.steps.entries()) {
      const line = scenario.stepLines[i];
      await runStep(ctx, step, { where: `step ${i + 1} ${Object.keys(step)[0]}${line ? ` (line ${line})` : ''}` });
      if (ctx.blocked) break;
    }
  } catch (err) {
    failure = failureOf(err);
  } finally {
    await stopFederation(ctx);
  }
  ctx.finishAuto();
  const status = failure ? worst(failure.status, verdictOf(scenario, ctx.checks)) : verdictOf(scenario, ctx.checks);
  return {
    status,
    message: failure?.message ?? messageFor(status, scenario, ctx.checks, ctx.blocked),
    checks: ctx.checks,
    durationMs: Math.round(performance.now() - started),
    httpWaitMs: Math.round(httpWaitMs),
    ...(status !== 'pass' ? { transcript: ctx.transcript } : {}),
    ...(failure?.unreachable ? { unreachable: true } : {}),
    ...(ctx.deadlineWaitMs ? { deadlineWaitMs: Math.round(ctx.deadlineWaitMs) } : {}),
    ...(rateLimited.count ? { rateLimited: { count: rateLimited.count, waitedMs: Math.round(rateLimited.waitedMs) } } : {}),
  };
}
