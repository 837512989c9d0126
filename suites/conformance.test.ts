// The vitest entry point: one test per scenario the CLI planned, grouped by spec area, run
// concurrently against the one target. Each test records its verdict in task.meta for the
// reporters, and fails only when the verdict differs from the deviations.
import { beforeAll, describe, test, inject } from 'vitest';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar } from '../src/client/register.ts';
import { writeFileSync } from 'node:fs';
import { UserPool, PHASE_FILE_ENV } from '../src/runner/user-pool.ts';
import { probeFederationPush } from '../src/runner/federation-probe.ts';
import type { RunSettings } from '../src/runner/context.ts';

const USERS_AT_ONCE = 4;
import { runScenario, type ScenarioOutcome } from '../src/runner/run-scenario.ts';
import { resultFor } from '../src/runner/result.ts';
import { failureText } from '../src/runner/failure-text.ts';
import { TARGET_UNAVAILABLE } from '../src/runner/plan.ts';
import { addSecret, installOutputRedaction, redactDeep } from '../src/safety/redaction.ts';
import { setHttpLimits } from '../src/client/limits.ts';

const plan = inject('rcPlan');
// The worker is a process of its own: its console, its limits and its secrets are set up here too.
installOutputRedaction();
if (plan.target.registration.mode === 'shared-secret') addSecret(plan.target.registration.sharedSecret);
if (plan.target.appservice) for (const t of [plan.target.appservice.asToken, plan.target.appservice.observerToken]) addSecret(t);
setHttpLimits({ requestTimeoutMs: plan.limits.requestTimeoutMs, maxBodyBytes: plan.limits.maxBodyBytes });
const rules = new Map(plan.rules.map((r) => [r.id, r]));
const api = new MatrixApi({ baseUrl: plan.target.baseUrl, pathVersion: plan.target.pathVersion });
const registrar = new UserPool(makeRegistrar(api, plan.target.registration));

const settings: RunSettings = {
  ...plan.settings,
  ...(plan.target.serverName ? { serverName: plan.target.serverName } : {}),
  ...(plan.target.federation ? { federation: plan.target.federation } : {}),
  ...(plan.target.appservice ? { appservice: plan.target.appservice } : {}),
  ruleLevels: new Map(plan.rules.map((r) => [r.id, r.level])),
};

// Every scenario's users first, a few at a time: registration is setup, not part of any verdict.
// The benchmark learns when it ends (a file appears), to tell its cost from the scenarios'.
// Beside it, when outbound EDUs are awaited, the federation probe: does the target federate receipts at all?
beforeAll(async () => {
  const probe = plan.target.federation && plan.scenarios.some((s) => s.steps.some((step) => 'edus_until' in step)) ? probeFederationPush({ api, registrar, settings }) : undefined;
  await registrar.fill(plan.scenarios, plan.settings.runPrefix, USERS_AT_ONCE);
  const found = await probe;
  if (found?.push) settings.federationReceiptPush = found.push;
  if (found) process.stderr.write(`receipts-conformance: federation: ${found.note}\n`);
  if (process.env[PHASE_FILE_ENV]) writeFileSync(process.env[PHASE_FILE_ENV], 'scenarios\n');
}, plan.limits.setupTimeoutMs);

// The circuit breaker: after this many scenarios in a row could not reach the target, the rest are
// not run; each is reported as error, and the CLI exits 3.
let unreachableInARow = 0;
let unavailable: string | undefined;

for (const area of [...new Set(plan.scenarios.map((s) => s.area))].sort()) {
  describe(area, () => {
    for (const scenario of plan.scenarios.filter((s) => s.area === area)) {
      test.concurrent(`${scenario.id} — ${scenario.title}`, async ({ task }) => {
        const outcome: ScenarioOutcome = unavailable ? { status: 'error', message: `${TARGET_UNAVAILABLE} ${unavailable}`, checks: [], durationMs: 0, httpWaitMs: 0 } : await runScenario(scenario, { api, registrar, settings });
        if (!unavailable) {
          unreachableInARow = outcome.status === 'error' && outcome.unreachable ? unreachableInARow + 1 : 0;
          if (unreachableInARow >= plan.limits.maxTargetFailures) unavailable = outcome.message;
        }
        // Tokens issued in this process are secrets only this process knows: redact here.
        const result = redactDeep(resultFor(scenario, outcome, plan.deviations[scenario.id]));
        task.meta.rc = result;
        if (result.unexpected && !result.tentative) throw new Error(failureText(result, rules));
      });
    }
  });
}
