// A load report to write and draw: two targets' worth of figures, strings that must be escaped
// and a token that must be redacted. Used by the writers' unit test and the browser test.
import { InvariantLog } from '../../src/load/invariants.ts';
import { METRIC_IDS, type LoadReport, type LoadTargetReport, type MetricId } from '../../src/load/report.ts';
import { cdf, overTime, summarise } from '../../src/load/stats.ts';

export const TOKEN = 'syt_bG9hZA_secretsecret_0abc12';
export const EVIL = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';

/** slowerByMs shifts every latency, so two targets draw apart. */
export function okTarget(id: string, failing: boolean, slowerByMs = 0): LoadTargetReport {
  const log = new InvariantLog();
  log.check('one-per-slot', true, () => '');
  log.check('deltas-only', !failing, () => `observer saw ${EVIL} with token ${TOKEN}`);
  log.skip('no-lost-receipt-federation', 'no remote users (--remote-users 0)');
  const samples = Array.from({ length: 50 }, (_, i) => ({ at: i * 100, ms: 5 + i + slowerByMs }));
  const per = <T>(f: (m: MetricId) => T) => Object.fromEntries(METRIC_IDS.map((m) => [m, f(m)])) as Record<MetricId, T>;
  return {
    id,
    kind: 'synapse',
    homeserver: 'http://127.0.0.1:8008',
    software: { name: `Synapse ${EVIL}`, version: '1.163.2' },
    status: 'ok',
    startedAt: new Date().toISOString(),
    timings: { setupMs: 1000, postingMs: 10_000, drainMs: 20, drained: true },
    counts: {
      planned: 200, posted: 176, accepted: 176, failed: 0, remoteSent: 24, remoteAccepted: 24, notStarted: 0, rateLimited: 2,
      rateLimitedBy: { 'POST /receipt': 2 }, retryWaitMs: 2000, transportErrors: 0, requests: 550, syncResponses: 250, syncErrors: 0,
      receiptsSeenAtSync: 300, edusReceived: 140, unattributedAtSync: 0, unattributedAtRemote: 0, behindSchedule: 0, maxLagMs: 3,
    },
    throughput: { requestedPerS: 20, acceptedPerS: 20, localAcceptedPerS: 17.6, remoteAcceptedPerS: 2.4 },
    latency: per((m) => (m === 'remoteSend' ? summarise([]) : summarise(samples.map((s) => s.ms)))),
    cdf: per((m) => (m === 'remoteSend' ? [] : cdf(samples.map((s) => s.ms)))),
    overTime: per((m) => (m === 'remoteSend' ? [] : overTime(samples))),
    cpu: { wallMs: 10_000, serverCpuMs: 3000, harnessCpuMs: 900, wallPerServerCpu: 3.33, harnessShare: 0.23, serverProcesses: 1, harnessProcesses: 2 },
    invariants: log.results(),
  };
}

export function report(targets: LoadTargetReport[]): LoadReport {
  return {
    suite: { name: 'receipts-conformance', version: '0.1.0' },
    kind: 'load',
    generatedAt: new Date().toISOString(),
    durationMs: 12_345,
    config: {
      users: 10, rooms: 3, rate: 20, durationS: 10, remoteUsers: 1, observers: 2, privateShare: 0.2, threadedShare: 0.2, seed: 1, threadCollisions: false,
      maxRequests: 100_000, maxInFlight: 32, drainTimeoutS: 30, deadlineS: 166, plannedReceipts: 200, eventsPerRoom: 9, roomVersion: '10',
    },
    targets,
  };
}

export const unusable: LoadTargetReport = {
  id: 'dendrite',
  kind: 'dendrite',
  homeserver: '',
  software: null,
  status: 'unusable',
  error: `go install failed: ${EVIL} Authorization: Bearer ${TOKEN}`,
  invariants: new InvariantLog().results().map((i) => ({ ...i, status: 'skip' as const, note: 'the target could not be used' })),
};
