// The Synapse target's lifecycle against the real server: a server killed mid-run gives exit 3
// and nothing hangs; Ctrl-C stops Synapse with no orphan process.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'receipts-conformance.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the CLI and resolves with Synapse's pid once the first scenario has finished. */
function startRun(extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'run', '--no-deviations', '--report-dir', mkdtempSync(join(tmpdir(), 'rc-e2e-')), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const pid = new Promise<number>((resolve, reject) => {
    let synapsePid: number | undefined;
    const look = () => {
      synapsePid ??= Number(/Synapse ready in [\d.]+ s \(pid (\d+)\)/.exec(stderr)?.[1]) || undefined;
      if (synapsePid && /(pass|fail|info|non-strict)\s+cs\./.test(stdout)) resolve(synapsePid);
    };
    child.stderr.on('data', (c) => ((stderr += c), look()));
    child.stdout.on('data', (c) => ((stdout += c), look()));
    void exited.then(() => reject(new Error(`exited early:\n${stderr}\n${stdout}`)));
  });
  return { child, pid, exited, output: () => ({ stderr, stdout }) };
}

describe('Synapse target lifecycle', () => {
  it('exits 3 with a clear message when Synapse is killed mid-run', async () => {
    const run = startRun(['--concurrency', '2']);
    const pid = await run.pid;
    process.kill(pid, 'SIGKILL');
    const started = Date.now();
    const code = await run.exited;
    expect(code).toBe(3);
    expect(run.output().stderr).toMatch(/Synapse exited during the run/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it('stops Synapse on Ctrl-C, leaving no orphan', async () => {
    const run = startRun(['--concurrency', '1']);
    const pid = await run.pid;
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code).toBe(130);
    expect(alive(pid)).toBe(false);
  }, 120_000);
});
