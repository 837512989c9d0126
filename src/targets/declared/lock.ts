// A cross-process lock for cache installs, held by a flock(1) child. The kernel releases it when
// that child dies, so a crashed or interrupted suite never leaves a stale lock behind, and the
// wait is the kernel's blocking flock, not a retry loop. The child exits when our end of its
// stdin closes, which also happens if this process dies.
import { spawn } from 'node:child_process';
import { TargetError } from '../target.ts';

export interface HeldLock {
  release(): Promise<void>;
}

export async function acquireLock(lockFile: string, timeoutMs: number, onWait?: () => void): Promise<HeldLock> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  // "locked" tells us the lock is ours; `cat` then holds it until stdin closes.
  const child = spawn('flock', ['--exclusive', '--wait', String(seconds), lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const waitingNote = setTimeout(() => onWait?.(), 1_000);
  try {
    const got = await new Promise<boolean>((resolve, reject) => {
      child.once('error', (err) =>
        reject(new TargetError(`cannot lock ${lockFile}: flock(1) could not be run (${err.message}); it is part of util-linux (Debian: apt-get install util-linux)`)),
      );
      child.stdout.once('data', () => resolve(true));
      void exited.then(() => resolve(false));
    });
    if (!got) {
      const code = await exited;
      throw new TargetError(
        code === 1 && !stderr
          ? `another process held ${lockFile} for more than ${seconds} s (an install of the same version still running?)`
          : `cannot lock ${lockFile}: ${stderr.trim() || `flock exited with ${code}`}`,
      );
    }
  } finally {
    clearTimeout(waitingNote);
  }
  return {
    async release() {
      child.stdin.end();
      await exited;
    },
  };
}
