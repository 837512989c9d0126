// Child processes for homeservers. Each runs in its own process group so that stopping it also
// stops anything it forked, and a synchronous kill on exit guarantees no orphans even when the
// suite is interrupted or crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { onProcessEnd } from './exit-hooks.ts';
import { redactLines } from '../safety/redaction.ts';

const live = new Set<ManagedProcess>();
let hooked = false;

function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  onProcessEnd(
    () => {
      for (const p of live) p.killNow('SIGKILL');
    },
    async () => {
      await Promise.all([...live].map((p) => p.stop(5_000)));
    },
  );
}

export class ManagedProcess {
  readonly child: ChildProcess;
  private log: WriteStream;
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  private exitPromise: Promise<void>;

  constructor(readonly name: string, command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string; uid?: number; gid?: number }) {
    installExitHooks();
    this.log = createWriteStream(opts.logFile, { flags: 'a' });
    this.child = spawn(command, args, { cwd: opts.cwd, env: opts.env, uid: opts.uid, gid: opts.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Server logs are reports too: secrets the server prints (a token in a request log) are redacted.
    this.child.stdout!.pipe(redactLines()).pipe(this.log, { end: false });
    this.child.stderr!.pipe(redactLines()).pipe(this.log, { end: false });
    live.add(this);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(this);
        resolve();
      });
      this.child.once('error', (err) => {
        this.log.write(`\n[receipts-conformance] could not start ${command}: ${err.message}\n`);
        this.exited = true;
        live.delete(this);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a signal to the whole process group, ignoring a group that is already gone. */
  killNow(signal: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return this.closeLog();
    this.killNow('SIGTERM');
    const timer = setTimeout(() => this.killNow('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    // The group may still hold children that ignored SIGTERM.
    if (this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
    }
    await this.closeLog();
  }

  waitForExit(): Promise<void> {
    return this.exitPromise;
  }

  /**
   * Resolves when the process prints a line matching `pattern`, exits, or `timeoutMs` passes,
   * whichever comes first. Servers announce readiness in their logs, so no polling is needed.
   */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<'matched' | 'exited' | 'timeout'> {
    let onData: ((chunk: Buffer) => void) | undefined;
    const matched = new Promise<void>((resolveMatch) => {
      let buf = '';
      onData = (chunk: Buffer) => {
        buf = (buf + chunk.toString()).slice(-4096);
        if (pattern.test(buf)) resolveMatch();
      };
      this.child.stderr?.on('data', onData);
      this.child.stdout?.on('data', onData);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        matched.then(() => 'matched' as const),
        this.exitPromise.then(() => 'exited' as const),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
      this.child.stderr?.off('data', onData!);
      this.child.stdout?.off('data', onData!);
    }
  }

  private async closeLog(): Promise<void> {
    if (this.log.closed || this.log.destroyed) return;
    this.log.end();
    await once(this.log, 'close').catch(() => undefined);
  }
}

export function tailFile(file: string, lines = 40): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
