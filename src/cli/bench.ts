// `npm run bench`: start-up costs and the suite's own speed. A benchmark to read, not a timed test.
import { resolve } from 'node:path';
import type { CliOptions, TargetKind } from './args.ts';
import type { TargetHandle } from '../targets/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { RuleInfo } from '../model.ts';
import type { Expectations } from '../runner/expectations.ts';
import type { SuiteRun } from './main.ts';
import { startSynapseTarget } from '../targets/synapse.ts';

interface BenchDeps {
  load: (o: CliOptions) => { scenarios: Scenario[]; selected: Scenario[]; rules: RuleInfo[] };
  expectationsFor: (o: CliOptions, kind: TargetKind, known: Set<string>) => Expectations | undefined;
  startTarget: (o: CliOptions, kind: TargetKind, reportDir: string) => Promise<TargetHandle>;
  runSuite: (o: CliOptions, t: TargetHandle, s: Scenario[], e?: Expectations) => Promise<SuiteRun>;
  log: (l: string) => void;
  out: (l: string) => void;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timeStart(reportDir: string, log: (l: string) => void, version: string | undefined, fresh: boolean): Promise<number> {
  const t = await startSynapseTarget({ reportDir, log, version, fresh });
  const ms = t.startup?.ms ?? 0;
  await t.stop();
  return ms;
}

export async function runBench(opts: CliOptions, deps: BenchDeps): Promise<number> {
  const reportDir = resolve(opts.reportDir, 'bench');
  const lines: string[] = [];
  const kind = opts.targets[0]!;
  if (kind === 'synapse') {
    // Warm-up start: installs Synapse and builds the database template if this machine lacks them.
    await timeStart(reportDir, deps.log, opts.synapseVersion, false);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) cold.push(await timeStart(reportDir, deps.log, opts.synapseVersion, true));
    for (let i = 0; i < 3; i++) warm.push(await timeStart(reportDir, deps.log, opts.synapseVersion, false));
    lines.push('Synapse start-up, process start to /_matrix/client/versions answering (3 starts each):');
    lines.push(`  cold, fresh database (schema migration): ${cold.map(seconds).join(', ')}`);
    lines.push(`  warm, from the cached database template: ${warm.map(seconds).join(', ')}`);
  }
  const { scenarios, selected } = deps.load(opts);
  const expectations = deps.expectationsFor(opts, kind, new Set(scenarios.map((s) => s.id)));
  const target = await deps.startTarget(opts, kind, reportDir);
  try {
    for (let i = 0; i < opts.runs; i++) {
      const run = await deps.runSuite(opts, target, selected, expectations);
      const ran = run.results.filter((r) => r.status !== 'skip');
      const durations = ran.map((r) => r.durationMs).sort((a, b) => a - b);
      const total = ran.reduce((a, r) => a + r.durationMs, 0);
      const http = ran.reduce((a, r) => a + r.httpWaitMs, 0);
      const slowest = [...ran].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3);
      lines.push(`suite run ${i + 1}: ${ran.length} scenarios, wall ${seconds(run.wallMs)} at concurrency ${opts.concurrency}`);
      lines.push(`  per scenario: p50 ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms, max ${durations[durations.length - 1] ?? 0} ms`);
      lines.push(`  slowest: ${slowest.map((r) => `${r.id} ${r.durationMs} ms`).join('; ')}`);
      lines.push(`  harness share outside HTTP waits: ${total ? (((total - http) / total) * 100).toFixed(1) : '0'}% of scenario time`);
      lines.push(`  unexpected verdicts: ${run.results.filter((r) => r.unexpected).length}`);
    }
  } finally {
    await target.stop();
  }
  deps.out(lines.join('\n'));
  return 0;
}
