// `receipts-conformance load`: runs the workload against each target in turn and writes one
// report. Exit codes: 0 every invariant held, 1 one broke, 3 a target could not be used.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSynapseTarget } from '../targets/synapse.ts';
import { startDendriteTarget } from '../targets/dendrite.ts';
import { openUrlTarget } from '../targets/url.ts';
import type { TargetHandle } from '../targets/target.ts';
import { redact } from '../../reporters/redact.ts';
import { renderLoadText, writeLoadReports } from '../../reporters/load/index.ts';
import { InvariantLog } from './invariants.ts';
import { LOAD_USAGE, type LoadOptions, type LoadTargetKind } from './options.ts';
import { planWorkload } from './plan.ts';
import { exitCodeOf, type LoadReport, type LoadTargetReport } from './report.ts';
import { LOAD_ROOM_VERSION } from './setup.ts';
import { runTarget } from './target-run.ts';

export interface LoadIo {
  /** Progress for the operator (stderr). */
  log: (line: string) => void;
  /** The result (stdout). */
  out: (line: string) => void;
  /** Starts a target; the default provisions Synapse or Dendrite, or opens the URL. */
  startTarget?: (kind: LoadTargetKind, options: LoadOptions, reportDir: string, log: (line: string) => void) => Promise<TargetHandle>;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function suiteVersion(): string {
  return JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;
}

export function defaultStartTarget(kind: LoadTargetKind, o: LoadOptions, reportDir: string, log: (line: string) => void): Promise<TargetHandle> {
  switch (kind) {
    case 'synapse':
      return startSynapseTarget({ reportDir, log, version: o.synapseVersion });
    case 'dendrite':
      return startDendriteTarget({ reportDir, log, version: o.dendriteVersion });
    case 'url':
      return openUrlTarget({ homeserver: o.homeserver!, sharedSecret: o.sharedSecret, usersFile: o.usersFile });
  }
}

function unusable(kind: LoadTargetKind, o: LoadOptions, err: unknown, handle?: TargetHandle): LoadTargetReport {
  const message = err instanceof Error ? err.message : String(err);
  return {
    id: handle?.id ?? kind,
    kind: (handle?.kind as LoadTargetReport['kind'] | undefined) ?? kind,
    homeserver: handle?.baseUrl ?? (kind === 'url' ? o.homeserver ?? '' : ''),
    software: handle?.software ?? null,
    status: 'unusable',
    error: message,
    invariants: new InvariantLog().results().map((i) => ({ ...i, status: 'skip' as const, note: 'the target could not be used' })),
  };
}

export async function runLoad(options: LoadOptions, io: LoadIo): Promise<number> {
  if (options.help) {
    io.out(LOAD_USAGE);
    return 0;
  }
  const started = performance.now();
  const reportDir = resolve(options.reportDir);
  const secrets: string[] = [];
  if (options.sharedSecret) secrets.push(options.sharedSecret);
  const log = (line: string) => io.log(redact(line, secrets));
  const plan = planWorkload(options);
  const startTarget = io.startTarget ?? defaultStartTarget;
  const targets: LoadTargetReport[] = [];

  for (const kind of options.targets) {
    let handle: TargetHandle;
    try {
      handle = await startTarget(kind, options, reportDir, log);
    } catch (err) {
      log(`${kind}: could not be started or reached: ${(err as Error).message}`);
      targets.push(unusable(kind, options, err));
      continue;
    }
    secrets.push(...handle.secrets);
    try {
      const report = await runTarget({ handle, serverPid: handle.pid, options, plan, reportDir, log, secrets });
      targets.push(report);
      const broken = report.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
      log(`${handle.id}: done; ${broken.length ? `invariants broken: ${broken.join(', ')}` : 'every invariant held'}`);
    } catch (err) {
      log(`${handle.id}: the load run could not complete: ${(err as Error).message}`);
      targets.push(unusable(kind, options, err, handle));
    } finally {
      await handle.stop().catch((err: Error) => log(`${handle.id}: stopping failed: ${err.message}`));
    }
  }

  const report: LoadReport = {
    suite: { name: 'receipts-conformance', version: suiteVersion() },
    kind: 'load',
    generatedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    config: {
      users: options.users,
      rooms: options.rooms,
      rate: options.rate,
      durationS: options.durationS,
      remoteUsers: options.remoteUsers,
      observers: options.observers,
      privateShare: options.privateShare,
      threadedShare: options.threadedShare,
      seed: options.seed,
      threadCollisions: options.threadCollisions,
      maxRequests: options.maxRequests,
      maxInFlight: options.maxInFlight,
      drainTimeoutS: options.drainTimeoutS,
      deadlineS: options.deadlineS,
      plannedReceipts: plan.receipts.length,
      eventsPerRoom: plan.eventsPerRoom,
      roomVersion: LOAD_ROOM_VERSION ?? null,
    },
    targets,
  };
  const { files, clean } = await writeLoadReports(report, reportDir, { secrets });
  io.out(renderLoadText(clean));
  io.out(`reports: ${files.join(', ')}`);
  return exitCodeOf(report);
}
