// The vitest entry point: one test per scenario, grouped by spec area, run concurrently against
// the one target the CLI started. Each test records its verdict in task.meta for the reporters,
// and fails only when the verdict differs from the expectations.
import { describe, test, inject } from 'vitest';
import { loadScenarios } from '../src/scenario/loader.ts';
import { MatrixApi } from '../src/client/matrix.ts';
import { makeRegistrar } from '../src/client/register.ts';
import { runScenario, applyExpectations } from '../src/runner/run-scenario.ts';
import { loadExpectations } from '../src/runner/expectations.ts';
import { selectScenarios, inSpecRange } from '../src/runner/suite-config.ts';
import { failureText } from '../src/runner/failure-text.ts';

const cfg = inject('rcConfig');
const { scenarios, rules } = loadScenarios({ dirs: cfg.specDirs });
const ruleMap = new Map(rules.map((r) => [r.id, r]));
const expectations = cfg.expectationsFile ? loadExpectations(cfg.expectationsFile) : undefined;
const api = new MatrixApi({ baseUrl: cfg.baseUrl, pathVersion: cfg.pathVersion });
const registrar = makeRegistrar(api, cfg.registration);
const settings = { runPrefix: cfg.runPrefix, syncTimeoutMs: cfg.syncTimeoutMs, pollMs: cfg.pollMs };

const selected = selectScenarios(scenarios, cfg).filter((s) => inSpecRange(s, cfg.specVersion));
const areas = [...new Set(selected.map((s) => s.area))].sort();

for (const area of areas) {
  describe(area, () => {
    for (const scenario of selected.filter((s) => s.area === area)) {
      test.concurrent(`${scenario.id} — ${scenario.title}`, async ({ task }) => {
        const result = applyExpectations(await runScenario(scenario, { api, registrar, settings }), expectations);
        task.meta.rc = result;
        if (result.unexpected) throw new Error(failureText(result, ruleMap));
      });
    }
  });
}
