// The vitest entry point: one test per scenario the CLI planned, grouped by spec area, run
// concurrently against the one target. Each test records its verdict in task.meta for the
// reporters, and fails only when the verdict differs from the deviations.
import { describe, test, inject } from 'vitest';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar } from '../src/client/register.ts';
import { runScenario } from '../src/runner/run-scenario.ts';
import { resultFor } from '../src/runner/result.ts';
import { failureText } from '../src/runner/failure-text.ts';
import '../src/runner/plan.ts';

const plan = inject('rcPlan');
const rules = new Map(plan.rules.map((r) => [r.id, r]));
const api = new MatrixApi({ baseUrl: plan.target.baseUrl, pathVersion: plan.target.pathVersion });
const registrar = makeRegistrar(api, plan.target.registration);
const settings = {
  ...plan.settings,
  ...(plan.target.serverName ? { serverName: plan.target.serverName } : {}),
  ...(plan.target.federation ? { federation: plan.target.federation } : {}),
  ruleLevels: new Map(plan.rules.map((r) => [r.id, r.level])),
};

for (const area of [...new Set(plan.scenarios.map((s) => s.area))].sort()) {
  describe(area, () => {
    for (const scenario of plan.scenarios.filter((s) => s.area === area)) {
      test.concurrent(`${scenario.id} — ${scenario.title}`, async ({ task }) => {
        const result = resultFor(scenario, await runScenario(scenario, { api, registrar, settings }), plan.deviations[scenario.id]);
        task.meta.rc = result;
        if (result.unexpected && !result.tentative) throw new Error(failureText(result, rules));
      });
    }
  });
}
