// Runs one scenario against a live target and returns its result. Never throws: a harness or
// target failure becomes status error, with the cause in the message.
import { MatrixApi, MatrixUser } from '../client/matrix.ts';
import type { Registrar } from '../client/register.ts';
import { TransportError } from '../client/http.ts';
import type { Finding, ScenarioResult } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import { HarnessError, ScenarioContext, StopScenario, type RunSettings } from './context.ts';
import { runStep } from './steps.ts';
import { markPosition } from './sync-wait.ts';
import { needsFederation, startFederation, stopFederation } from './federation-steps.ts';
import { verdictOf, defaultExpected } from './verdict.ts';
import type { Expectations } from './expectations.ts';

export interface RunDeps {
  api: MatrixApi;
  registrar: Registrar;
  settings: RunSettings;
}

function summarize(findings: Finding[], status: ScenarioResult['status']): string {
  if (status === 'pass') {
    const notes = findings.filter((f) => f.level === 'INFO');
    return notes.length ? `pass; ${notes.map((f) => f.message).join('; ')}` : 'pass';
  }
  if (status === 'info') return findings.map((f) => f.message).join('; ') || 'observed the expected behaviour';
  const first = findings.find((f) => f.level !== 'INFO');
  return first ? `${first.where}: ${first.message}` : status;
}

export async function runScenario(scenario: Scenario, deps: RunDeps): Promise<Omit<ScenarioResult, 'expected' | 'unexpected'>> {
  const started = performance.now();
  let httpWaitMs = 0;
  // A scenario-local client, so that the time spent waiting on the server is counted per scenario.
  const api = new MatrixApi({ ...deps.api.opts, onResponse: (ms) => (httpWaitMs += ms) });
  const ctx = new ScenarioContext(scenario, api, deps.registrar, deps.settings);
  let errorMessage: string | undefined;
  try {
    await Promise.all(
      scenario.users.map(async (actor) => {
        const user = await deps.registrar.register(ctx.localpart(actor));
        ctx.users.set(actor, new MatrixUser(api, user.userId, user.accessToken, user.deviceId));
      }),
    );
    // One fake remote homeserver per federation scenario, on a fresh port: no backoff or key cache is
    // shared between scenarios. It starts while the sync positions are taken.
    await Promise.all([
      ...scenario.users.map((actor) => markPosition(ctx, actor)),
      ...(needsFederation(scenario) ? [startFederation(ctx, api.baseUrl)] : []),
    ]);
    for (const [i, step] of scenario.steps.entries()) await runStep(ctx, step, i);
  } catch (err) {
    if (err instanceof StopScenario) {
      /* the findings carry the verdict */
    } else if (err instanceof HarnessError) {
      errorMessage = err.message;
      if (err.request) ctx.add({ where: 'harness', rules: [], level: 'INFO', message: err.message, request: err.request });
    } else if (err instanceof TransportError) {
      errorMessage = `no answer from ${err.url.replace(/\?.*/, '')}: ${err.message.split(': ').slice(1).join(': ')}`;
    } else {
      errorMessage = `harness error: ${(err as Error)?.stack ?? String(err)}`;
    }
  } finally {
    await stopFederation(ctx);
  }
  const status = errorMessage ? 'error' : verdictOf(scenario.level, ctx.findings);
  return {
    id: scenario.id,
    title: scenario.title,
    file: scenario.file,
    area: scenario.area,
    rules: scenario.rules,
    level: scenario.level,
    tags: scenario.tags,
    status,
    durationMs: Math.round(performance.now() - started),
    httpWaitMs: Math.round(httpWaitMs),
    message: errorMessage ?? summarize(ctx.findings, status),
    findings: ctx.findings,
  };
}

export function applyExpectations(result: Omit<ScenarioResult, 'expected' | 'unexpected'>, expectations: Expectations | undefined): ScenarioResult {
  const dev = expectations?.deviations.get(result.id);
  const allowed = dev ? (Array.isArray(dev.status) ? dev.status : [dev.status]) : [result.status === 'skip' ? 'skip' : defaultExpected(result.level)];
  const expected = allowed.includes(result.status) ? result.status : allowed[0]!;
  const intermittent = allowed.length > 1 ? ` (intermittent: ${allowed.join(' or ')})` : '';
  return { ...result, expected, unexpected: !allowed.includes(result.status), ...(dev ? { expectationReason: dev.reason + intermittent } : {}) };
}
