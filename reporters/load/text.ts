// The load run's result as a few lines for the terminal.
import type { LoadReport, LoadTargetReport } from '../../src/load/report.ts';
import { METRICS, METRIC_IDS } from '../../src/load/report.ts';

const ms = (v: number | null) => (v === null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
const sec = (v: number) => `${(v / 1000).toFixed(1)} s`;
const by = (m: Record<string, number>) => (Object.keys(m).length ? ` [${Object.entries(m).map(([k, n]) => `${k} ${n}`).join(', ')}]` : '');

function targetLines(t: LoadTargetReport): string[] {
  const name = `${t.id} (${t.software ? `${t.software.name} ${t.software.version}` : 'unknown software'})`;
  if (t.status === 'unusable') return [`${name}: UNUSABLE: ${t.error ?? ''}`];
  const lines = [`${name}: ${t.error ? `ok, but ${t.error}` : 'ok'}`];
  const c = t.counts!;
  lines.push(
    `  local receipts ${c.posted} (${c.accepted} accepted, ${c.failed} failed), remote ${c.remoteSent} (${c.remoteAccepted} accepted), not started ${c.notStarted}; ` +
      `${t.throughput!.acceptedPerS}/s accepted of ${t.throughput!.requestedPerS}/s asked; 429s ${c.rateLimited}${by(c.rateLimitedBy)} (${sec(c.retryWaitMs)} of waits, summed); ${c.requests} requests`,
  );
  for (const m of METRIC_IDS) {
    const s = t.latency![m];
    if (s.count === 0) continue;
    lines.push(`  ${METRICS[m].label.padEnd(22)} p50 ${ms(s.p50).padStart(8)}  p95 ${ms(s.p95).padStart(8)}  p99 ${ms(s.p99).padStart(8)}  max ${ms(s.max).padStart(8)}  (n=${s.count})`);
  }
  if (t.cpu) {
    const share = t.cpu.harnessShare === null ? 'n/a' : `${Math.round(t.cpu.harnessShare * 100)}%`;
    const ratio = t.cpu.wallPerServerCpu === null ? 'n/a' : `${t.cpu.wallPerServerCpu.toFixed(2)}×`;
    lines.push(`  CPU while posting and draining: server ${sec(t.cpu.serverCpuMs)}, harness ${sec(t.cpu.harnessCpuMs)} (${share} of both), wall ÷ server CPU ${ratio}`);
  }
  const tm = t.timings!;
  lines.push(`  set-up ${sec(tm.setupMs)}, posting ${sec(tm.postingMs)}, drain ${sec(tm.drainMs)}${tm.drained ? '' : ' (deadline reached before every receipt arrived)'}`);
  for (const i of t.invariants) {
    const tag = i.status === 'pass' ? 'pass' : i.status === 'fail' ? `FAIL (${i.level})` : 'skip';
    const detail = i.status === 'fail' ? `${i.violations} of ${i.checked}; e.g. ${i.evidence[0] ?? ''}` : i.status === 'skip' ? (i.note ?? '') : `${i.checked} checked`;
    lines.push(`  ${tag} ${i.id}: ${detail}`);
  }
  return lines;
}

export function renderLoadText(r: LoadReport): string {
  const c = r.config;
  return [
    `load: ${c.plannedReceipts} receipts at ${c.rate}/s for ${c.durationS} s; ${c.users} users, ${c.rooms} rooms, ${c.remoteUsers} remote user(s), ${c.observers} observer(s)`,
    ...r.targets.flatMap(targetLines),
  ].join('\n');
}
