// Runs an install step as a managed child (own process group, killed on exit or Ctrl-C), with
// its output appended to a log file and a deadline; failures quote the end of that log.
import { existsSync, readdirSync, statSync, accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ManagedProcess, tailFile } from '../process.ts';
import { TargetError } from '../target.ts';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  timeoutMs: number;
  /** What the step is, for messages: "cargo install palpo@0.0.2". */
  what: string;
  hint?: (logTail: string) => string | undefined;
  uid?: number;
  gid?: number;
}

export async function runLogged(argv: string[], o: RunOptions): Promise<void> {
  const [command, ...args] = argv;
  const proc = new ManagedProcess(o.what, command!, args, { cwd: o.cwd, env: o.env ?? process.env, logFile: o.logFile, uid: o.uid, gid: o.gid });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop(5_000);
  }, o.timeoutMs);
  await proc.waitForExit();
  clearTimeout(timer);
  await proc.stop(0);
  if (!timedOut && proc.exitCode === 0) return;
  const tail = tailFile(o.logFile, 15);
  const why = timedOut ? `did not finish within ${Math.round(o.timeoutMs / 1000)} s` : `failed (${proc.exitCode ?? proc.exitSignal ?? 'could not start'})`;
  const hint = o.hint?.(tail);
  throw new TargetError(`${o.what} ${why}; full output in ${o.logFile}:\n${tail}${hint ? `\n${hint}` : ''}`);
}

/** The absolute path of `command` on PATH, or null. pyenv shims are skipped: they answer only for the global version. */
export function onPath(command: string): string | null {
  if (command.includes('/')) return existsSync(command) ? command : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.endsWith('/.pyenv/shims')) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * A Python interpreter: a path, "python3" by default, or a version such as "3.9" found as
 * python3.9 on PATH or as the newest ~/.pyenv/versions/3.9.* (pyenv installs are not on PATH).
 */
export function findPython(want: string | undefined, home: string): string {
  if (!want) {
    const p = onPath('python3');
    if (!p) throw new TargetError('no python3 on PATH; install Python 3 or name an interpreter in install.*.python');
    return p;
  }
  if (want.includes('/')) {
    if (!existsSync(want)) throw new TargetError(`Python interpreter ${want} does not exist`);
    return want;
  }
  if (!/^\d+\.\d+$/.test(want)) throw new TargetError(`install python: "${want}" is neither a path nor a version like 3.9`);
  const fromPath = onPath(`python${want}`);
  if (fromPath) return fromPath;
  const pyenv = join(home, '.pyenv', 'versions');
  const candidates = existsSync(pyenv)
    ? readdirSync(pyenv)
        .filter((v) => v === want || v.startsWith(`${want}.`))
        .sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0))
        .map((v) => join(pyenv, v, 'bin', 'python'))
        .filter((p) => existsSync(p))
    : [];
  if (candidates[0]) return candidates[0];
  throw new TargetError(`Python ${want} is needed but neither python${want} on PATH nor ${pyenv}/${want}.* exists; install it (e.g. pyenv install ${want}) or give a path in install.*.python`);
}
