// The /proc CPU sampler, on real processes: this one, a child, and a grandchild.
import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CpuMeter, clockTicksPerSecond, parseProcStat, readAllProcStats, sampleTree, treePids } from '../../src/bench/cpu.ts';

/** Spins until this process has used `ms` more CPU: CPU time, not wall time, so a busy machine only makes it slower. */
function burn(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 100_000; i++) x = (x * 31 + i) % 1_000_003;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) break;
  }
  if (x < 0) throw new Error('unreachable');
}

// A child that burns `ms` of CPU (optionally in a grandchild of its own), says "burnt" and waits
// for its stdin to close, so the test samples it while it is alive and reaps it afterwards.
const BURNER = `
const ms = Number(process.argv[1]);
const mode = process.argv[2];
const burn = () => { const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 100000; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ms) break; } return x; };
if (mode === 'reaped') {
  // The grandchild burns and exits; execFileSync reaps it, so its CPU moves into our cutime.
  require('node:child_process').execFileSync(process.execPath, ['-e', process.argv[3], String(ms), 'self-exit']);
  process.stdout.write('burnt\\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
} else if (mode === 'self-exit') {
  burn();
} else if (mode === 'grandchild') {
  const { spawn } = require('node:child_process');
  const g = spawn(process.execPath, ['-e', process.argv[3], String(ms)], { stdio: ['pipe', 'pipe', 'inherit'] });
  g.stdout.on('data', (d) => { if (String(d).includes('burnt')) process.stdout.write('burnt ' + g.pid + '\\n'); });
  process.stdin.on('end', () => { g.stdin.end(); g.on('exit', () => process.exit(0)); });
  process.stdin.resume();
} else {
  burn();
  process.stdout.write('burnt\\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}`;

async function startBurner(ms: number, mode: 'self' | 'grandchild' | 'reaped' = 'self'): Promise<{ child: ChildProcess; grandchildPid?: number; done: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', BURNER, String(ms), mode, BURNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('burnt')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`burner exited early with ${code}`)));
  });
  const grandchildPid = Number(/burnt (\d+)/.exec(out)?.[1]) || undefined;
  return {
    child,
    grandchildPid,
    done: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

describe('/proc parsing', () => {
  it('reads fields after a command name with spaces and parentheses', () => {
    const line = '4242 (we(ird) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 9999 1000 10 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 17, selfTicks: 300, childTicks: 10, startTicks: 9999 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('finds this process and leaves out an excluded subtree', () => {
    const all = readAllProcStats();
    expect(all.get(process.pid)?.ppid).toBe(process.ppid);
    const parentTree = treePids(process.ppid, all);
    expect(parentTree).toContain(process.pid);
    expect(treePids(process.ppid, all, [process.pid])).not.toContain(process.pid);
    expect(treePids(process.pid, all, [process.pid])).toEqual([]);
  });
});

describe('CpuMeter', () => {
  it('counts CPU burnt by this process as harness CPU', () => {
    const meter = CpuMeter.start();
    burn(300);
    const r = meter.stop();
    // One tick (10 ms) of slack per sample.
    expect(r.harnessCpuMs).toBeGreaterThanOrEqual(280);
    expect(r.serverCpuMs).toBe(0);
    expect(r.harnessShare).toBe(1);
    expect(r.wallPerServerCpu).toBeNull();
  });

  it('splits the work into phases that add up to the whole', () => {
    const meter = CpuMeter.start();
    burn(200);
    const first = meter.split();
    const second = meter.split();
    burn(100);
    const third = meter.split();
    const whole = meter.stop();
    expect(first.harnessCpuMs).toBeGreaterThanOrEqual(180);
    expect(second.harnessCpuMs).toBeLessThan(30);
    expect(third.harnessCpuMs).toBeGreaterThanOrEqual(80);
    expect(Math.abs(first.harnessCpuMs + second.harnessCpuMs + third.harnessCpuMs - whole.harnessCpuMs)).toBeLessThanOrEqual(30);
    expect(first.wallMs + second.wallMs + third.wallMs).toBeLessThanOrEqual(whole.wallMs + 1);
  });

  it('counts a child as the server and not as the harness', async () => {
    const meterBefore = CpuMeter.start();
    const b = await startBurner(400);
    try {
      // Sampled while the child is alive: its burn is in its own utime.
      const meter = CpuMeter.start({ serverPid: b.child.pid! });
      const r0 = meter.stop();
      expect(r0.serverCpuMs).toBeLessThan(100);
      const whole = sampleTree(b.child.pid!);
      expect(whole.cpuMs).toBeGreaterThanOrEqual(380);
      const r = meterBefore.stop();
      // meterBefore had no server: the child counted as part of this harness's tree.
      expect(r.harnessCpuMs).toBeGreaterThanOrEqual(380);
      const split = CpuMeter.start({ serverPid: b.child.pid! });
      burn(100);
      const s = split.stop();
      expect(s.harnessCpuMs).toBeGreaterThanOrEqual(80);
      expect(s.serverCpuMs).toBeLessThan(60);
      expect(s.harnessShare).toBeGreaterThan(0.5);
    } finally {
      await b.done();
    }
  });

  it('counts a live grandchild in the server tree', async () => {
    const b = await startBurner(300, 'grandchild');
    const serverPid = b.child.pid!;
    expect(b.grandchildPid).toBeDefined();
    const tree = treePids(serverPid, readAllProcStats());
    expect(tree).toContain(b.grandchildPid);
    expect(sampleTree(serverPid).cpuMs).toBeGreaterThanOrEqual(280);
    // The harness tree without the server subtree does not hold the grandchild's burn.
    const harness = sampleTree(process.pid, readAllProcStats(), [serverPid]);
    expect(treePids(process.pid, readAllProcStats(), [serverPid])).not.toContain(b.grandchildPid);
    expect(harness.processes).toBeGreaterThanOrEqual(1);
    await b.done();
  });

  it('counts a grandchild that has exited and been reaped, through its parent', async () => {
    const meter = CpuMeter.start();
    const b = await startBurner(300, 'reaped');
    try {
      const all = readAllProcStats();
      expect(treePids(b.child.pid!, all)).toEqual([b.child.pid]);
      expect((all.get(b.child.pid!)!.childTicks * 1000) / clockTicksPerSecond()).toBeGreaterThanOrEqual(280);
      expect(sampleTree(b.child.pid!, all).cpuMs).toBeGreaterThanOrEqual(280);
      expect(meter.stop().harnessCpuMs).toBeGreaterThanOrEqual(280);
    } finally {
      await b.done();
    }
  });

  it('measures a server that burns during the window', async () => {
    // The child burns right after start; the meter starts before, so the whole burn falls inside.
    const child = spawn(process.execPath, ['-e', BURNER, '300', 'self', ''], { stdio: ['pipe', 'pipe', 'inherit'] });
    const meter = CpuMeter.start({ serverPid: child.pid! });
    let out = '';
    await new Promise<void>((resolve) => child.stdout!.on('data', (d) => ((out += String(d)), out.includes('burnt') && resolve())));
    const r = meter.stop();
    child.stdin!.end();
    await once(child, 'exit');
    expect(r.serverCpuMs).toBeGreaterThanOrEqual(280);
    expect(r.wallPerServerCpu).not.toBeNull();
    expect(r.wallPerServerCpu!).toBeGreaterThan(0);
    expect(r.harnessShare!).toBeLessThan(1);
  });
});
