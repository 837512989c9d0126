// `npm run bench`: start-up costs and the suite's own speed. A benchmark to read, not a timed test.
import { rmSync, existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliOptions } from './args.ts';
import type { TargetHandle } from '../targets/target.ts';
import type { Scenario } from '../scenario/types.ts';
import type { RuleInfo } from '../model.ts';
import type { Expectations } from '../runner/expectations.ts';
import type { SuiteRun } from './main.ts';
import { cacheDir } from '../targets/cache.ts';
import { DEFAULT_SYNAPSE_VERSION, startSynapseTarget } from '../targets/synapse.ts';

interface BenchDeps {
  load: (o: CliOptions) => { selected: Scenario[]; rules: RuleInfo[]; expectations?: Expectations };
  startTarget: (o: CliOptions, reportDir: string) => Promise<TargetHandle>;
  runSuite: (o: CliOptions, t: TargetHandle, s: Scenario[], e?: Expectations) => Promise<SuiteRun>;
  log: (l: string) => void;
  out: (l: string) => void;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeStart(reportDir: string, log: (l: string) => void, version: string): Promise<number> {
  const t = await startSynapseTarget({ reportDir, log, version });
  const ms = t.startup?.ms ?? 0;
  await t.stop();
  return ms;
}

export async function runBench(opts: CliOptions, deps: BenchDeps): Promise<number> {
  const reportDir = resolve(opts.reportDir, 'bench');
  const lines: string[] = [];
  if (opts.target === 'synapse') {
    const version = opts.synapseVersion || process.env.RC_SYNAPSE_VERSION || DEFAULT_SYNAPSE_VERSION;
    // Cold: move the database template aside so that Synapse migrates a fresh database.
    const dir = cacheDir(`synapse-${version}`, 'db-template');
    const template = join(dir, 'homeserver.db');
    const aside = `${template}.bench-aside`;
    if (existsSync(template)) renameSync(template, aside);
    let cold: number;
    try {
      await timeStart(reportDir, deps.log, version); // installs if needed and builds a template
      rmSync(template, { force: true });
      const t0 = performance.now();
      cold = await timeStart(reportDir, deps.log, version);
      cold = Math.max(cold, 0) || performance.now() - t0;
    } finally {
      if (existsSync(aside)) renameSync(aside, template);
    }
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push(await timeStart(reportDir, deps.log, version));
    lines.push(`Synapse ${version} start-up (process start to /versions answering):`);
    lines.push(`  cold (fresh database, schema migration): ${(cold / 1000).toFixed(2)} s`);
    lines.push(`  warm (from the cached database template): ${warm.map((w) => (w / 1000).toFixed(2)).join(' s, ')} s`);
  }
  const { selected, expectations } = deps.load(opts);
  const target = await deps.startTarget(opts, reportDir);
  try {
    for (let i = 0; i < opts.runs; i++) {
      const run = await deps.runSuite(opts, target, selected, expectations);
      const ran = run.results.filter((r) => r.status !== 'skip');
      const durations = ran.map((r) => r.durationMs).sort((a, b) => a - b);
      const total = ran.reduce((a, r) => a + r.durationMs, 0);
      const http = ran.reduce((a, r) => a + r.httpWaitMs, 0);
      lines.push(`suite run ${i + 1}: ${ran.length} scenarios, wall ${(run.wallMs / 1000).toFixed(1)} s at concurrency ${opts.concurrency}`);
      lines.push(`  per scenario: p50 ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms, max ${durations[durations.length - 1] ?? 0} ms`);
      lines.push(`  harness share outside HTTP waits: ${total ? (((total - http) / total) * 100).toFixed(1) : '0'}% of scenario time`);
      lines.push(`  unexpected verdicts: ${run.results.filter((r) => r.unexpected).length}`);
    }
  } finally {
    await target.stop();
  }
  deps.out(lines.join('\n'));
  return 0;
}
