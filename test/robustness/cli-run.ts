// Runs the CLI as a subprocess with a hard wall-clock cap, measures its peak memory (the largest
// resident set of the CLI and its vitest workers, from GNU time, or VmHWM sampled from /proc),
// and gathers everything it printed and wrote, so tests can look for leaks in all of it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'receipts-conformance.js');
const GNU_TIME = '/usr/bin/time';
const CAPTURE_LIMIT = 2 * 1024 * 1024;

export interface CliRun {
  code: number | null;
  /** True when the hard cap was reached and the process group was killed. */
  killed: boolean;
  ms: number;
  stdout: string;
  stderr: string;
  /** Bytes printed in all, beyond what was kept. */
  stdoutBytes: number;
  stderrBytes: number;
  /** Peak resident set size of the largest process in the CLI's tree, in MB (undefined if unmeasurable). */
  peakMb?: number;
  /** Every file under the report folder (relative path → contents). */
  files: Map<string, string>;
}

export function tempDir(prefix = 'rc-robust-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function runCli(args: string[], opts: { hardCapMs: number; env?: NodeJS.ProcessEnv; reportDir?: string }): Promise<CliRun> {
  const timeFile = join(tempDir('rc-time-'), 'time.txt');
  const useTime = existsSync(GNU_TIME);
  const [cmd, argv] = useTime ? [GNU_TIME, ['-v', '-o', timeFile, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  const started = performance.now();
  // A group of its own, so that the cap also ends the vitest workers the CLI started.
  const child = spawn(cmd, argv, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], stdoutBytes: 0, stderrBytes: 0 };
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].on('data', (c: Buffer) => {
      const kept = out[`${name}Bytes`];
      if (kept < CAPTURE_LIMIT) out[name].push(c.subarray(0, CAPTURE_LIMIT - kept));
      out[`${name}Bytes`] += c.length;
    });
  }
  let sampledKb = 0;
  const sampler = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) sampledKb = Math.max(sampledKb, Number(m[1]));
        } catch {
          /* gone */
        }
      }, 100);
  let killed = false;
  const cap = setTimeout(() => {
    killed = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, opts.hardCapMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(cap);
  if (sampler) clearInterval(sampler);
  const ms = performance.now() - started;
  // Whatever the CLI left running in its group (workers, if it crashed) goes too.
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    /* none left */
  }
  let peakMb: number | undefined = sampledKb ? sampledKb / 1024 : undefined;
  let exit = code;
  if (useTime && existsSync(timeFile)) {
    const report = readFileSync(timeFile, 'utf8');
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
    if (rss) peakMb = Number(rss[1]) / 1024;
    // GNU time exits with the child's status; "Command exited with non-zero status N" says it too.
    const status = /Exit status: (\d+)/.exec(report);
    if (status && !killed) exit = Number(status[1]);
    rmSync(join(timeFile, '..'), { recursive: true, force: true });
  }
  return {
    code: killed ? null : exit,
    killed,
    ms,
    stdout: Buffer.concat(out.stdout).toString('utf8'),
    stderr: Buffer.concat(out.stderr).toString('utf8'),
    stdoutBytes: out.stdoutBytes,
    stderrBytes: out.stderrBytes,
    peakMb,
    files: opts.reportDir ? readTree(opts.reportDir) : new Map(),
  };
}

function readTree(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) for (const [k, v] of readTree(full, `${prefix}${name}/`)) files.set(k, v);
    else if (st.isFile()) files.set(prefix + name, readFileSync(full).subarray(0, 64 * 1024 * 1024).toString('utf8'));
  }
  return files;
}

/** One line a person can read when a test fails: what the CLI did. */
export function describeRun(r: CliRun): string {
  const tail = (s: string) => s.split('\n').slice(-15).join('\n');
  return `exit ${r.code}${r.killed ? ' (killed at the hard cap)' : ''} after ${Math.round(r.ms)} ms, peak ${r.peakMb?.toFixed(0)} MB, stderr ${r.stderrBytes} bytes, stdout ${r.stdoutBytes} bytes\n--- stderr (end) ---\n${tail(r.stderr)}\n--- stdout (end) ---\n${tail(r.stdout)}`;
}

// A frame of a printed stack trace: "    at fn (file:line:col)" or "    at file:line:col".
const STACK_FRAME = /^\s+at .*(?:\(.*:\d+:\d+\)|:\d+:\d+|\(native\)|<anonymous>\)?)$/m;
// Control characters other than \n and \t (and \r, which some tools print at line ends).
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The outputs every run must satisfy, whatever its outcome. */
export function expectClean(r: CliRun, secrets: string[]): void {
  const where = describeRun(r);
  for (const secret of secrets.filter(Boolean)) {
    expect(r.stdout.includes(secret), `secret on stdout\n${where}`).toBe(false);
    expect(r.stderr.includes(secret), `secret on stderr\n${where}`).toBe(false);
    for (const [name, text] of r.files) expect(text.includes(secret), `secret in ${name}\n${where}`).toBe(false);
  }
  expect(STACK_FRAME.exec(r.stderr)?.[0], `a stack trace on stderr\n${where}`).toBeUndefined();
  expect(STACK_FRAME.exec(r.stdout)?.[0], `a stack trace on stdout\n${where}`).toBeUndefined();
  expect(RAW_CONTROL.exec(r.stderr)?.[0], `a raw control character on stderr\n${where}`).toBeUndefined();
  expect(RAW_CONTROL.exec(r.stdout)?.[0], `a raw control character on stdout\n${where}`).toBeUndefined();
}
