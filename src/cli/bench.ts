// `npm run bench`: start-up costs and the suite's own speed. A benchmark to read, not a timed test.
import { resolve } from 'node:path';
import type { CliOptions } from './args.ts';
import { deviationsFileFor, specFor, startTarget } from './targets.ts';
import { runSuite } from './run-suite.ts';
import { checkRegistration, federationOptions, loadSelection, makePlan, newRunPrefix, planFor, type Io } from './run.ts';
import { prepareFederation } from '../targets/federation-access.ts';
import { loadDeviations } from '../runner/deviations.ts';
import { probeCapabilities } from '../targets/capabilities.ts';
import { startSynapseTarget } from '../targets/synapse.ts';
import type { Capability } from '../scenario/types.ts';

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

export async function runBench(opts: CliOptions, io: Io): Promise<number> {
  const reportDir = resolve(opts.reportDir, 'bench');
  const lines: string[] = [];
  const ref = opts.targets[0]!;
  if (ref.kind === 'synapse') {
    // Warm-up start: installs Synapse and builds the database template if this machine lacks them.
    await timeStart(reportDir, io.log, opts.synapseVersion, false);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) cold.push(await timeStart(reportDir, io.log, opts.synapseVersion, true));
    for (let i = 0; i < 3; i++) warm.push(await timeStart(reportDir, io.log, opts.synapseVersion, false));
    lines.push('Synapse start-up, process start to /_matrix/client/versions answering (3 starts each):');
    lines.push(`  cold, fresh database (schema migration): ${cold.map(seconds).join(', ')}`);
    lines.push(`  warm, from the cached database template: ${warm.map(seconds).join(', ')}`);
  }
  const { scenarios, rules, selected } = loadSelection(opts);
  const file = deviationsFileFor(opts, ref);
  const deviations = file ? loadDeviations(file, new Set(scenarios.map((s) => s.id))) : undefined;
  const target = await startTarget(opts, ref, { reportDir, log: io.log });
  try {
    const needed = new Set<Capability>(selected.flatMap((s) => s.needs));
    const runPrefix = newRunPrefix();
    const probe = await checkRegistration(opts, target, runPrefix);
    const serverName = target.serverName ?? probe.userId.slice(probe.userId.indexOf(':') + 1);
    const fed = needed.has('federation') ? await prepareFederation(target, federationOptions(opts, io), serverName) : undefined;
    const caps = await probeCapabilities(target, needed, fed?.state);
    const { runnable } = planFor(selected, specFor(opts, target), caps);
    for (let i = 0; i < opts.runs; i++) {
      const run = await runSuite(makePlan(opts, target, runnable, rules, deviations, { runPrefix: newRunPrefix(), ...(fed?.access ? { federation: fed.access } : {}) }), { concurrency: opts.concurrency, syncTimeoutMs: opts.syncTimeoutMs, out: () => {} });
      const ran = [...run.results.values()];
      const durations = ran.map((r) => r.durationMs).sort((a, b) => a - b);
      const total = ran.reduce((a, r) => a + r.durationMs, 0);
      const http = ran.reduce((a, r) => a + r.httpWaitMs, 0);
      const slowest = [...ran].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3);
      lines.push(`suite run ${i + 1}: ${ran.length} scenarios, wall ${seconds(run.wallMs)} at concurrency ${opts.concurrency}`);
      lines.push(`  per scenario: p50 ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms, max ${durations[durations.length - 1] ?? 0} ms`);
      lines.push(`  slowest: ${slowest.map((r) => `${r.id} ${r.durationMs} ms`).join('; ')}`);
      lines.push(`  harness share outside HTTP waits: ${total ? (((total - http) / total) * 100).toFixed(1) : '0'}% of scenario time`);
      lines.push(`  unexpected verdicts: ${ran.filter((r) => r.unexpected).length}`);
    }
  } finally {
    await target.stop();
  }
  io.out(lines.join('\n'));
  return 0;
}
