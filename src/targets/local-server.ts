// What the Synapse and Dendrite targets share: a server process on loopback, readiness from its
// own log line, and a handle that stops it and removes its data directory.
import { rmSync } from 'node:fs';
import { ManagedProcess, tailFile } from './process.ts';
import { TargetError, type TargetHandle } from './target.ts';
import { httpRequest } from '../client/http.ts';

export interface Started {
  proc: ManagedProcess;
  baseUrl: string;
  ms: number;
}

export interface LocalServerSpec {
  /** Shown in messages: "Synapse", "Dendrite". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  port: number;
  /** The log line the server prints when its client listener is (about to be) bound. */
  readyLine: RegExp;
  readyTimeoutMs: number;
  /**
   * Some servers print the line just before they bind, and say nothing after it. For those, a
   * refused connection is retried (briefly) until this many milliseconds have passed.
   */
  bindGraceMs?: number;
  /** The path that must answer 200 once the line is seen; default /_matrix/client/versions. */
  readyPath?: string;
}

const check = (baseUrl: string, path = '/_matrix/client/versions') =>
  httpRequest({ method: 'GET', url: `${baseUrl}${path}`, timeoutMs: 10_000 }).catch((e: Error) => ({ status: 0, text: e.message }));

/** Starts the server and resolves once /_matrix/client/versions (or `readyPath`) answers 200. */
export async function startLocalServer(spec: LocalServerSpec): Promise<Started> {
  const started = performance.now();
  const proc = new ManagedProcess(spec.name.toLowerCase(), spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, logFile: spec.logFile });
  const baseUrl = `http://127.0.0.1:${spec.port}`;
  const outcome = await proc.waitForOutput(spec.readyLine, spec.readyTimeoutMs);
  if (outcome !== 'matched') {
    await proc.stop(2_000);
    const why = outcome === 'exited' ? `exited with ${proc.exitCode ?? proc.exitSignal}` : `did not start its listener within ${spec.readyTimeoutMs / 1000} s`;
    throw new TargetError(`${spec.name} ${why}. Last lines of ${spec.logFile}:\n${tailFile(spec.logFile)}`);
  }
  let res = await check(baseUrl, spec.readyPath);
  // No event follows the bind of a server that logs first, so the only signal is a connection that
  // is no longer refused; the retry is bounded by the grace period and ends as soon as it answers.
  const deadline = performance.now() + (spec.bindGraceMs ?? 0);
  let backoff = 5;
  while (res.status === 0 && !proc.exited && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 200);
    res = await check(baseUrl, spec.readyPath);
  }
  if (res.status !== 200) {
    await proc.stop(2_000);
    throw new TargetError(`${spec.name} logged its listener but ${baseUrl}${spec.readyPath ?? '/_matrix/client/versions'} answered ${res.status || 'nothing'}: ${res.text.slice(0, 200)}\n${tailFile(spec.logFile)}`);
  }
  return { proc, baseUrl, ms: performance.now() - started };
}

export interface LocalHandleOptions extends Omit<TargetHandle, 'baseUrl' | 'failure' | 'stop'> {
  name: string;
  started: Started;
  logFile: string;
  dataDir: string;
}

export function localServerHandle(o: LocalHandleOptions): TargetHandle {
  const { name, started, logFile, dataDir, ...rest } = o;
  let stopped = false;
  return {
    ...rest,
    baseUrl: started.baseUrl,
    ...(started.proc.pid !== undefined ? { pid: started.proc.pid } : {}),
    failure() {
      if (stopped || !started.proc.exited) return null;
      return `${name} exited during the run (${started.proc.exitCode ?? started.proc.exitSignal}). Last lines of ${logFile}:\n${tailFile(logFile, 20)}`;
    },
    async stop() {
      stopped = true;
      await started.proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
