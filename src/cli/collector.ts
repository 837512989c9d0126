// A vitest reporter living in the CLI process: it collects each scenario's verdict from task.meta
// and prints one line per scenario, with h2spec-style detail for results that need attention.
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { ScenarioResult } from '../model.ts';
import { MARK } from '../verdict.ts';
import { expectedStatus } from '../runner/result.ts';
import '../runner/plan.ts';

export function resultLine(r: ScenarioResult): string {
  const flag = r.unexpected ? `  UNEXPECTED (expected ${expectedStatus(r)})` : r.deviation ? '  (known deviation)' : '';
  return `  ${MARK[r.status]} ${r.status.padEnd(11)} ${r.id}  ${r.durationMs} ms${r.tentative ? ` [tentative ${r.tentative}]` : ''}${flag}`;
}

export class ResultCollector implements Reporter {
  readonly results = new Map<string, ScenarioResult>();
  readonly errors: string[] = [];
  constructor(private out: (line: string) => void) {}

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().rc;
    if (meta) {
      this.results.set(meta.id, meta);
      this.out(resultLine(meta));
      if (meta.unexpected) {
        const err = testCase.result().errors?.[0]?.message;
        if (err) this.out(err.split('\n').map((l) => `      ${l}`).join('\n'));
      }
      return;
    }
    if (testCase.result().state === 'failed') {
      const msg = testCase.result().errors?.map((e) => e.message).join('\n') ?? 'failed';
      this.errors.push(`${testCase.name}: ${msg}`);
      this.out(`  ${MARK.error} error       ${testCase.name}: ${msg.split('\n')[0]}`);
    }
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ message?: string; stack?: string }>): void {
    for (const m of modules) for (const e of m.errors()) this.errors.push(`${m.moduleId}: ${e.message}`);
    for (const e of unhandled) this.errors.push(e.stack ?? e.message ?? String(e));
  }
}
