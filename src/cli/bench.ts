// `npm run bench`: start-up costs, and the suite's speed measured against its limit, the CPU the
// server itself needs. A benchmark to read, not a timed test.
import { existsSync, mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliOptions } from './args.ts';
import { deviationsFileFor, pathVersionFor, specFor, startTarget } from './targets.ts';
import { runSuite } from './run-suite.ts';
import { checkRegistration, federationOptions, loadSelection, makePlan, newRunPrefix, planFor, type Io } from './run.ts';
import { loadDeviations } from '../runner/deviations.ts';
import { probeCapabilities } from '../targets/capabilities.ts';
import { prepareFederation } from '../targets/federation-access.ts';
import { startSynapseTarget } from '../targets/synapse.ts';
import { CpuMeter, formatCpuReport, formatSlowestTable, type CpuReport } from '../bench/index.ts';
import { PHASE_FILE_ENV } from '../runner/user-pool.ts';
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

async function startupLines(opts: CliOptions, reportDir: string, io: Io): Promise<string[]> {
  // Warm-up start: installs Synapse and builds the database template if this machine lacks them.
  await timeStart(reportDir, io.log, opts.synapseVersion, false);
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) cold.push(await timeStart(reportDir, io.log, opts.synapseVersion, true));
  for (let i = 0; i < 3; i++) warm.push(await timeStart(reportDir, io.log, opts.synapseVersion, false));
  return [
    'Synapse start-up, process start to /_matrix/client/versions answering (3 starts each):',
    `  cold, fresh database (schema migration): ${cold.map(seconds).join(', ')}`,
    `  warm, from the cached database template: ${warm.map(seconds).join(', ')}`,
  ];
}

/**
 * Splits the meter when the suite's worker says its users are registered (it creates a file in a
 * fresh directory: an inotify event, no polling).
 */
function watchPhase(meter: CpuMeter): { registration?: CpuReport; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rc-bench-phase-'));
  const file = join(dir, 'phase');
  const state: { registration?: CpuReport; close(): void } = {
    close() {
      watcher.close();
      delete process.env[PHASE_FILE_ENV];
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const watcher = watch(dir, () => {
    if (!state.registration && existsSync(file)) state.registration = meter.split();
  });
  process.env[PHASE_FILE_ENV] = file;
  return state;
}

export async function runBench(opts: CliOptions, io: Io): Promise<number> {
  const reportDir = resolve(opts.reportDir, 'bench');
  const ref = opts.targets[0]!;
  const lines = ref.kind === 'synapse' && !opts.benchSkipStartup ? await startupLines(opts, reportDir, io) : [];
  const { scenarios, rules, selected } = loadSelection(opts);
  const file = deviationsFileFor(opts, ref);
  const deviations = file ? loadDeviations(file, new Set(scenarios.map((s) => s.id))) : undefined;
  const target = await startTarget(opts, ref, { reportDir, log: io.log });
  try {
    const needed = new Set<Capability>(selected.flatMap((s) => s.needs));
    const probe = await checkRegistration(opts, target, newRunPrefix());
    const serverName = target.serverName ?? probe.userId.slice(probe.userId.indexOf(':') + 1);
    const fed = needed.has('federation') ? await prepareFederation(target, federationOptions(opts, io), serverName) : undefined;
    const caps = await probeCapabilities(target, needed, fed?.state, pathVersionFor(opts, target));
    const { runnable } = planFor(selected, specFor(opts, target), caps);
    const levels = opts.concurrencyCurve.length ? opts.concurrencyCurve : Array.from({ length: opts.runs }, () => opts.concurrency);
    const curve: string[] = [];
    for (const [i, concurrency] of levels.entries()) {
      const plan = makePlan(opts, target, runnable, rules, deviations, { runPrefix: newRunPrefix(), ...(fed?.access ? { federation: fed.access } : {}) });
      // The server's whole process tree against this process's (the harness, its vitest worker
      // and the fake servers): the run's wall time is compared with the server's own work.
      const meter = CpuMeter.start({ ...(target.pid !== undefined ? { serverPid: target.pid } : {}) });
      const phases = watchPhase(meter);
      let run;
      try {
        run = await runSuite(plan, { concurrency, syncTimeoutMs: opts.syncTimeoutMs, runTimeoutMs: opts.runTimeoutMs, out: () => {} });
      } finally {
        phases.close();
      }
      const scenariosPhase = phases.registration ? meter.split() : undefined;
      const cpu = meter.stop();
      const ran = [...run.results.values()];
      const durations = ran.map((r) => r.durationMs).sort((a, b) => a - b);
      lines.push(`suite run ${i + 1}: ${ran.length} scenarios at concurrency ${concurrency}`);
      lines.push(`  whole run: ${formatCpuReport(cpu)}`);
      if (phases.registration && scenariosPhase) {
        lines.push(`  registering the ${plan.scenarios.reduce((n, s) => n + s.users.length, 0)} users first: ${formatCpuReport(phases.registration)}`);
        lines.push(`  then the scenarios: ${formatCpuReport(scenariosPhase)}`);
      }
      lines.push(`  per scenario: p50 ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms, max ${durations[durations.length - 1] ?? 0} ms`);
      lines.push(`  deadlines waited out: ${ran.filter((r) => r.deadlineWaitMs).length} scenario(s), ${seconds(ran.reduce((a, r) => a + (r.deadlineWaitMs ?? 0), 0))} in all`);
      lines.push(`  unexpected verdicts: ${ran.filter((r) => r.unexpected).length}`);
      lines.push('  slowest scenarios, and where their time went:');
      lines.push(formatSlowestTable(ran.map((r) => ({ id: r.id, durationMs: r.durationMs, httpWaitMs: r.httpWaitMs, ...(r.deadlineWaitMs ? { deadlineWaitMs: r.deadlineWaitMs } : {}) })), 5).split('\n').map((l) => `    ${l}`).join('\n'));
      curve.push(`  ${String(concurrency).padStart(3)} at once: wall ${seconds(cpu.wallMs)}, server CPU ${seconds(cpu.serverCpuMs)}, wall ÷ server CPU ${cpu.wallPerServerCpu?.toFixed(2) ?? 'n/a'}×, harness share ${cpu.harnessShare === null ? 'n/a' : `${(cpu.harnessShare * 100).toFixed(1)}%`}`);
    }
    if (opts.concurrencyCurve.length) lines.push('concurrency curve:', ...curve);
  } finally {
    await target.stop();
  }
  io.out(lines.join('\n'));
  return 0;
}
