// CPU time of process trees, read from /proc (Linux only). A benchmark needs to know whether the
// wall time went to the server, to the harness, or to neither (waiting), and wall-clock timers
// cannot tell those apart on a shared 2-core machine.
//
// Accounting: a process's own utime+stime, plus cutime+cstime (the CPU of children it has already
// reaped). Summed over a tree, a child that exits and is reaped inside the tree moves from its own
// line into its parent's cutime, so the sum stays continuous; the difference of two sums is the
// CPU the tree used in between. A child reaped by something outside the tree is lost: take the
// end sample before stopping the server.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  selfTicks: number;
  /** cutime + cstime: reaped children, in clock ticks. */
  childTicks: number;
  /** Start time after boot, in ticks: with the pid, identifies a process across samples. */
  startTicks: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (almost always 100); Node has no sysconf, so getconf is asked once. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Parses the text of /proc/<pid>/stat. The command name may hold spaces and parentheses, so fields are counted from the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; field N of proc(5) is rest[N - 3].
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const stat = { pid, ppid: field(4), selfTicks: field(14) + field(15), childTicks: field(16) + field(17), startTicks: field(22) };
  return Object.values(stat).every(Number.isFinite) ? stat : undefined;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process on the machine, by pid. Processes that exit during the scan are skipped. */
export function readAllProcStats(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProcStat(Number(name));
    if (s) all.set(s.pid, s);
  }
  return all;
}

/**
 * The pids of `root` and all its descendants, leaving out the subtrees rooted at `exclude`
 * (the harness spawns the server, so the harness's tree holds the server's unless it is cut).
 */
export function treePids(root: number, all: Map<number, ProcStat>, exclude: readonly number[] = []): number[] {
  const children = new Map<number, number[]>();
  for (const s of all.values()) {
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const skip = new Set(exclude);
  const out: number[] = [];
  const stack = all.has(root) && !skip.has(root) ? [root] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) if (!skip.has(c)) stack.push(c);
  }
  return out;
}

export interface TreeSample {
  /** Total CPU of the tree (own + reaped children), in milliseconds. */
  cpuMs: number;
  processes: number;
}

export function sampleTree(root: number, all: Map<number, ProcStat> = readAllProcStats(), exclude: readonly number[] = []): TreeSample {
  const pids = treePids(root, all, exclude);
  let ticks = 0;
  for (const pid of pids) {
    const s = all.get(pid)!;
    ticks += s.selfTicks + s.childTicks;
  }
  return { cpuMs: (ticks * 1000) / clockTicksPerSecond(), processes: pids.length };
}

export interface CpuReport {
  wallMs: number;
  serverCpuMs: number;
  harnessCpuMs: number;
  /** Wall time divided by server CPU time: how many times longer the run took than the server worked. */
  wallPerServerCpu: number | null;
  /** Harness CPU as a share (0–1) of harness + server CPU. */
  harnessShare: number | null;
  /** Largest number of processes seen in each tree (start or end sample). */
  serverProcesses: number;
  harnessProcesses: number;
}

export interface CpuMeterOptions {
  /** The server's pid; its whole process tree is counted. Omit for a server this machine does not run. */
  serverPid?: number;
  /** The harness's pid (default: this process); its tree minus the server's is counted. */
  harnessPid?: number;
}

/**
 * Start with `CpuMeter.start()` before the work, `stop()` after it (and before the server stops).
 * The resolution is one clock tick (10 ms) per process per sample.
 */
export class CpuMeter {
  private last: { at: number; server: TreeSample; harness: TreeSample };

  private constructor(
    private readonly opts: Required<Pick<CpuMeterOptions, 'harnessPid'>> & CpuMeterOptions,
    private readonly first: { at: number; server: TreeSample; harness: TreeSample },
  ) {
    this.last = first;
  }

  static start(opts: CpuMeterOptions = {}): CpuMeter {
    const o = { ...opts, harnessPid: opts.harnessPid ?? process.pid };
    return new CpuMeter(o, { at: performance.now(), ...sampleBoth(o) });
  }

  /** Reads the trees again; may be called more than once (each call measures from start). */
  stop(): CpuReport {
    return between(this.first, { at: performance.now(), ...sampleBoth(this.opts) });
  }

  /** What was used since the previous split (or the start): one phase of the work. */
  split(): CpuReport {
    const now = { at: performance.now(), ...sampleBoth(this.opts) };
    const phase = between(this.last, now);
    this.last = now;
    return phase;
  }
}

function between(a: { at: number; server: TreeSample; harness: TreeSample }, b: { at: number; server: TreeSample; harness: TreeSample }): CpuReport {
  const wallMs = b.at - a.at;
  const serverCpuMs = Math.max(0, b.server.cpuMs - a.server.cpuMs);
  const harnessCpuMs = Math.max(0, b.harness.cpuMs - a.harness.cpuMs);
  const total = serverCpuMs + harnessCpuMs;
  return {
    wallMs,
    serverCpuMs,
    harnessCpuMs,
    wallPerServerCpu: serverCpuMs > 0 ? wallMs / serverCpuMs : null,
    harnessShare: total > 0 ? harnessCpuMs / total : null,
    serverProcesses: Math.max(a.server.processes, b.server.processes),
    harnessProcesses: Math.max(a.harness.processes, b.harness.processes),
  };
}

function sampleBoth(o: CpuMeterOptions & { harnessPid: number }): { server: TreeSample; harness: TreeSample } {
  const all = readAllProcStats();
  const server = o.serverPid === undefined ? { cpuMs: 0, processes: 0 } : sampleTree(o.serverPid, all);
  const harness = sampleTree(o.harnessPid, all, o.serverPid === undefined ? [] : [o.serverPid]);
  return { server, harness };
}

export function formatCpuReport(r: CpuReport): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ratio = r.wallPerServerCpu === null ? 'n/a' : `${r.wallPerServerCpu.toFixed(2)}×`;
  const share = r.harnessShare === null ? 'n/a' : `${(r.harnessShare * 100).toFixed(1)}%`;
  return `wall ${s(r.wallMs)}; server CPU ${s(r.serverCpuMs)} (${r.serverProcesses} process(es)); harness CPU ${s(r.harnessCpuMs)}; wall ÷ server CPU ${ratio}; harness share of CPU ${share}`;
}
