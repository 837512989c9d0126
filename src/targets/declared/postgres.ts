// A private, throwaway PostgreSQL cluster for one run: initdb into a temp dir, the postmaster as
// a managed child on a free loopback port (no pg_ctl, which would detach it and could leave an
// orphan), readiness from its own log line, and a fast shutdown by pid when the run ends.
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` OS user.
import { chownSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, tailFile } from '../process.ts';
import { TargetError } from '../target.ts';
import { freePort } from '../ports.ts';
import { runLogged, onPath } from './run-logged.ts';
import { makeRunDir, removeRunDir } from './temp-dir.ts';

export interface PostgresOptions {
  version: number;
  database: string;
  logDir: string;
  readyTimeoutMs: number;
}

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  database: string;
  url: string;
  pid: number | undefined;
  /** Why it is no longer usable, or null while it is. */
  failure(): string | null;
  stop(): Promise<void>;
}

function binDir(version: number): string {
  const debian = `/usr/lib/postgresql/${version}/bin`;
  if (existsSync(join(debian, 'initdb'))) return debian;
  const initdb = onPath('initdb');
  if (initdb) return initdb.slice(0, initdb.lastIndexOf('/'));
  throw new TargetError(`PostgreSQL ${version} is needed but ${debian}/initdb is missing and no initdb is on PATH (Debian: apt-get install postgresql-${version})`);
}

/** The uid/gid to run PostgreSQL as: ourselves, or the `postgres` user when we are root. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) {
    throw new TargetError('PostgreSQL refuses to run as root and there is no "postgres" OS user to run it as (it comes with the Debian package postgresql; or: useradd --system postgres)');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(o: PostgresOptions): Promise<RunningPostgres> {
  const bin = binDir(o.version);
  const who = runAs();
  const root = makeRunDir('rc-postgres-');
  const data = join(root, 'data');
  const sock = join(root, 'sock');
  mkdirSync(sock);
  if (who.uid !== undefined) {
    for (const d of [root, sock]) chownSync(d, who.uid, who.gid!);
  }
  chmodSync(root, 0o700);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const logFile = join(o.logDir, `postgres-${o.database}.log`);
  const started = performance.now();
  let proc: ManagedProcess | undefined;
  const cleanup = async () => {
    if (proc) {
      // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
      proc.killNow('SIGINT');
      await proc.stop(10_000);
    }
    removeRunDir(root);
  };
  try {
    // A throwaway cluster: trust auth on loopback, no fsync during initdb (nothing to keep).
    await runLogged([join(bin, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      cwd: root,
      env,
      logFile,
      timeoutMs: o.readyTimeoutMs,
      what: 'initdb',
      ...who,
    });
    const port = await freePort();
    proc = new ManagedProcess('postgres', join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1'], {
      cwd: root,
      env,
      logFile,
      ...who,
    });
    const outcome = await proc.waitForOutput(/database system is ready to accept connections/, Math.max(1_000, o.readyTimeoutMs - (performance.now() - started)));
    if (outcome !== 'matched') {
      throw new TargetError(`PostgreSQL ${outcome === 'exited' ? `exited with ${proc.exitCode ?? proc.exitSignal}` : `was not ready within ${o.readyTimeoutMs / 1000} s`}. Last lines of ${logFile}:\n${tailFile(logFile)}`);
    }
    await runLogged([join(bin, 'createdb'), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', o.database], { cwd: root, env, logFile, timeoutMs: 30_000, what: `createdb ${o.database}` });
    const p = proc;
    let stopped = false;
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: o.database,
      url: `postgres://postgres@127.0.0.1:${port}/${o.database}`,
      pid: p.pid,
      failure: () => (!stopped && p.exited ? `PostgreSQL exited during the run (${p.exitCode ?? p.exitSignal}). Last lines of ${logFile}:\n${tailFile(logFile, 20)}` : null),
      async stop() {
        stopped = true;
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
