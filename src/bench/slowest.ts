// "Slowest scenarios, and where their time went": the benchmark's answer to "why is the suite
// as slow as its slowest scenario". Wall time of a scenario splits into waiting on the server
// (HTTP), waiting out a deadline (a long-poll that had to time out to prove an absence, or a
// server that never answered in time), and the rest, which is the harness's own work.

export interface ScenarioTiming {
  id: string;
  durationMs: number;
  /** Time spent waiting for HTTP responses (includes long-polls). */
  httpWaitMs: number;
  /** CPU the server spent while the scenario ran, when known (shared with concurrent scenarios). */
  serverCpuMs?: number;
  /** Part of the wait that was a deadline running out rather than a response arriving. */
  deadlineWaitMs?: number;
}

export interface TimeSplit {
  id: string;
  totalMs: number;
  /** Waiting on responses that came back, deadline waits excluded. */
  serverMs: number;
  /** Outside any HTTP wait: the harness's own work and scheduling. */
  harnessMs: number;
  /** Waiting for a deadline to pass. */
  deadlineMs: number;
  serverCpuMs?: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Splits one scenario's wall time; the three parts add up to its duration. */
export function splitTime(t: ScenarioTiming): TimeSplit {
  const total = Math.max(0, t.durationMs);
  const http = clamp(t.httpWaitMs, 0, total);
  const deadline = clamp(t.deadlineWaitMs ?? 0, 0, http);
  return {
    id: t.id,
    totalMs: total,
    serverMs: http - deadline,
    harnessMs: total - http,
    deadlineMs: deadline,
    ...(t.serverCpuMs === undefined ? {} : { serverCpuMs: Math.max(0, t.serverCpuMs) }),
  };
}

/** The `top` slowest scenarios, slowest first (ties by id, so the table is stable). */
export function slowestScenarios(records: readonly ScenarioTiming[], top = 10): TimeSplit[] {
  return [...records]
    .sort((a, b) => b.durationMs - a.durationMs || a.id.localeCompare(b.id))
    .slice(0, Math.max(0, top))
    .map(splitTime);
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pct = (part: number, total: number) => (total > 0 ? `${Math.round((part / total) * 100)}%` : '–');

/**
 * A plain-text table: one row per scenario with total, server, harness and deadline time (each
 * with its share of the total), and server CPU when any record has it.
 */
export function formatSlowestTable(records: readonly ScenarioTiming[], top = 10): string {
  const rows = slowestScenarios(records, top);
  if (rows.length === 0) return 'slowest scenarios: none ran';
  const withCpu = rows.some((r) => r.serverCpuMs !== undefined);
  const header = ['scenario', 'total', 'server', 'harness', 'deadline', ...(withCpu ? ['server CPU'] : [])];
  const body = rows.map((r) => [
    r.id,
    sec(r.totalMs),
    `${sec(r.serverMs)} ${pct(r.serverMs, r.totalMs)}`,
    `${sec(r.harnessMs)} ${pct(r.harnessMs, r.totalMs)}`,
    `${sec(r.deadlineMs)} ${pct(r.deadlineMs, r.totalMs)}`,
    ...(withCpu ? [r.serverCpuMs === undefined ? '–' : sec(r.serverCpuMs)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  // The id column reads left-aligned; the figures right-aligned so their units line up.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    `slowest ${rows.length} scenario(s), where their time went (server: waiting on responses; harness: outside HTTP; deadline: waiting for a deadline to pass):`,
    line(header),
    ...body.map(line),
  ].join('\n');
}
