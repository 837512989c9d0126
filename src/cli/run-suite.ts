// Runs planned scenarios through vitest against a started target: the one place the CLI crosses
// into the test runner.
import { createVitest } from 'vitest/node';
import { projectRoot } from '../scenario/schema.ts';
import type { ScenarioResult } from '../model.ts';
import type { RunPlan } from '../runner/plan.ts';
import { ResultCollector } from './collector.ts';

export interface SuiteRun {
  /** Results of the planned scenarios, by id; a scenario the runner never finished is absent. */
  results: Map<string, ScenarioResult>;
  wallMs: number;
  vitestErrors: string[];
  /** The run deadline passed and the unfinished scenarios were cancelled. */
  deadlinePassed: boolean;
}

export interface SuiteOptions {
  concurrency: number;
  syncTimeoutMs: number;
  /** The deadline of the whole run; unfinished scenarios are cancelled then. */
  runTimeoutMs?: number;
  out: (line: string) => void;
}

export async function runSuite(plan: RunPlan, opts: SuiteOptions): Promise<SuiteRun> {
  const collector = new ResultCollector(opts.out);
  const started = performance.now();
  let deadlinePassed = false;
  if (plan.scenarios.length) {
    // Vitest installs SIGINT/SIGTERM handlers that exit at once; the CLI's own handlers must win,
    // so that servers are stopped cleanly before the process ends.
    const before = new Map((['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, process.listeners(sig)]));
    const vitest = await createVitest('test', {
      config: false,
      root: projectRoot,
      include: ['suites/conformance.test.ts'],
      watch: false,
      reporters: [collector],
      maxConcurrency: opts.concurrency,
      testTimeout: opts.syncTimeoutMs * 12 + 60_000,
      // The hook registers every scenario's users; the run deadline bounds it.
      hookTimeout: opts.runTimeoutMs ?? 3_600_000,
      provide: { rcPlan: plan },
      pool: 'forks',
      fileParallelism: false,
      passWithNoTests: true,
      silent: 'passed-only',
    });
    for (const [sig, kept] of before) for (const l of process.listeners(sig)) if (!kept.includes(l)) process.off(sig, l);
    const timer = opts.runTimeoutMs
      ? setTimeout(() => {
          deadlinePassed = true;
          void vitest.cancelCurrentRun('keyboard-input');
        }, opts.runTimeoutMs)
      : undefined;
    try {
      await vitest.start([]);
    } finally {
      clearTimeout(timer);
      await vitest.close();
    }
    process.exitCode = undefined;
  }
  return { results: collector.results, wallMs: performance.now() - started, vitestErrors: deadlinePassed ? [] : collector.errors, deadlinePassed };
}
