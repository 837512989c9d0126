// One target's load run: set-up, observers, the paced workload, a sentinel, the drain, and the
// judgement. Everything is bounded by the run's budget (request count and deadline).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { MatrixApi, enc } from '../client/matrix.ts';
import { describeCause } from '../client/http.ts';
import { makeRegistrar } from '../client/register.ts';
import type { TargetHandle } from '../targets/target.ts';
import { CpuMeter } from '../bench/cpu.ts';
import { RunBudget, retryAfterMs } from './budget.ts';
import { InvariantLog } from './invariants.ts';
import { Ledger, type PostRecord } from './ledger.ts';
import { Observer, epochMs } from './observer.ts';
import type { LoadOptions } from './options.ts';
import { pace, type PaceResult } from './pace.ts';
import type { PlannedReceipt, WorkloadPlan } from './plan.ts';
import { RemoteSide } from './remote.ts';
import { buildWorld, type World } from './setup.ts';
import { METRIC_IDS, type LoadTargetReport, type MetricId } from './report.ts';
import { cdf, overTime, summarise, type Sample } from './stats.ts';

/** Long-poll timeout of the observers; also the longest the run waits for them once it is over. */
const POLL_MS = 3_000;

export interface TargetRunInput {
  handle: TargetHandle;
  /** The server's pid, for CPU figures, when it runs on this machine. */
  serverPid?: number;
  options: LoadOptions;
  plan: WorkloadPlan;
  reportDir: string;
  log: (line: string) => void;
  /** Receives every access token the run creates, so the writers can blank them. */
  secrets: string[];
}

type Planned = Pick<PlannedReceipt, 'seq' | 'atMs' | 'slot' | 'remote' | 'user' | 'room' | 'eventIndex' | 'kind'> & { phase: 'load' | 'sentinel' };

export async function runTarget(input: TargetRunInput): Promise<LoadTargetReport> {
  const { handle, options: o, plan, log } = input;
  const budget = new RunBudget(o.maxRequests, performance.now() + o.deadlineS * 1000);
  // The run's budget is where a load run honours 429s (and counts them): the client does not retry.
  const api = new MatrixApi({ baseUrl: handle.baseUrl, rateLimit: { maxRetries: 0 } });
  const setupStarted = performance.now();
  log(`${handle.id}: setting up ${o.users} users, ${o.observers} observers, ${o.rooms} rooms, ${plan.eventsPerRoom} events per room`);
  const world = await buildWorld(makeRegistrar(api, handle.registration), { users: o.users, observers: o.observers, rooms: o.rooms, eventsPerRoom: plan.eventsPerRoom }, budget, log, handle.serverName);
  input.secrets.push(...[world.sentinel, ...world.posters, ...world.observers].map((u) => u.accessToken));

  const invariants = new InvariantLog();
  const remoteEnabled = o.remoteUsers > 0;
  const ledger = new Ledger(invariants, remoteEnabled);
  let remote: RemoteSide | undefined;
  let stopping = false;
  let observerFailure: Error | undefined;
  const loops: Promise<void>[] = [];
  try {
    if (remoteEnabled) {
      mkdirSync(join(input.reportDir, 'logs'), { recursive: true });
      remote = await RemoteSide.start({ serverName: world.serverName, baseUrl: handle.baseUrl }, world.prefix, o.remoteUsers, join(input.reportDir, 'logs', `load-federation-${handle.id}.log`));
      await remote.joinAll(world.rooms, budget).catch((err: Error) => {
        throw new Error(`the fake federation server could not join the rooms (${err.message}); run with --remote-users 0 to leave federation out`);
      });
    } else {
      const why = 'no remote users (--remote-users 0)';
      invariants.skip('no-lost-receipt-federation', why);
      invariants.skip('no-private-leak-federation', why);
    }
    const rooms = new Set(world.rooms);
    const observers = world.observers.map((u) => new Observer(u, rooms, invariants, ledger));
    await Promise.all(observers.map((ob) => ob.initial(budget)));
    const setupMs = performance.now() - setupStarted;

    let failObservers: (err: Error) => void = () => {};
    const observersFailed = new Promise<never>((_, reject) => (failObservers = reject));
    observersFailed.catch(() => undefined);
    for (const ob of observers) {
      loops.push(
        ob.run(budget, () => stopping, POLL_MS).catch((err: Error) => {
          observerFailure ??= new Error(`observer ${ob.id} stopped: ${describeCause(err)}`);
          failObservers(observerFailure);
        }),
      );
    }
    remote?.tap(ledger, budget.remainingMs());

    const cpu = input.serverPid === undefined ? undefined : CpuMeter.start({ serverPid: input.serverPid });
    const startedAtEpoch = epochMs();
    const startAt = performance.now();
    const stopReason = () => handle.failure() ?? observerFailure?.message ?? (budget.canTake() ? null : 'the request cap or the run deadline was reached');
    const exec = (item: Planned) => postOne(item, world, ledger, budget, remote);
    log(`${handle.id}: posting ${plan.receipts.length} receipts at ${o.rate}/s for ${o.durationS} s`);
    const paced: PaceResult = await pace(plan.receipts.map((r) => ({ ...r, phase: 'load' as const })), { startAt, maxInFlight: o.maxInFlight, stop: stopReason }, exec);
    const postingMs = performance.now() - startAt;

    // A sentinel per room, on the newest event: whatever was going to leak has been sent by the
    // time it arrives, so its arrival is what proves an absence.
    const last = plan.eventsPerRoom - 1;
    const sentinels: Planned[] = world.rooms.map((_, r) => ({ seq: plan.receipts.length + r, atMs: 0, slot: `sentinel/${r}`, remote: false, user: -1, room: r, eventIndex: last, kind: { type: 'm.read', thread: null }, phase: 'sentinel' }));
    if (!stopReason()) await pace(sentinels, { startAt: performance.now(), maxInFlight: o.maxInFlight, stop: stopReason }, exec);
    ledger.finishPosting();

    const drainStarted = performance.now();
    const drainMs = Math.max(0, Math.min(o.drainTimeoutS * 1000, budget.remainingMs()));
    const timer = new AbortController();
    const drained = await Promise.race([
      ledger.drained().then(() => true),
      delay(drainMs, false, { signal: timer.signal }).catch(() => false),
      observersFailed,
    ]).finally(() => timer.abort());
    const drainTook = performance.now() - drainStarted;
    const cpuReport = cpu?.stop() ?? null;
    stopping = true;
    await Promise.all(loops);
    const failure = handle.failure();
    if (failure) throw new Error(failure);
    if (!drained) {
      const left = ledger.outstanding();
      log(`${handle.id}: drain ended after ${(drainTook / 1000).toFixed(1)} s with ${left.sync} observer slot(s) and ${left.remote} remote slot(s) still behind`);
    }
    ledger.judgeLost(remoteEnabled);
    return {
      ...targetHeader(handle),
      status: 'ok',
      ...(paced.stoppedEarly ? { error: `posting stopped early: ${paced.stoppedEarly}` } : {}),
      startedAt: new Date(startedAtEpoch).toISOString(),
      timings: { setupMs: Math.round(setupMs), postingMs: Math.round(postingMs), drainMs: Math.round(drainTook), drained },
      counts: {
        planned: plan.receipts.length,
        posted: ledger.posts.filter((p) => p.phase === 'load' && p.origin === 'local').length,
        accepted: countPosts(ledger.posts, 'local', 'accepted'),
        failed: countPosts(ledger.posts, 'local', 'failed'),
        remoteSent: ledger.posts.filter((p) => p.phase === 'load' && p.origin === 'remote').length,
        remoteAccepted: countPosts(ledger.posts, 'remote', 'accepted'),
        notStarted: paced.notStarted,
        rateLimited: budget.rateLimited,
        rateLimitedBy: { ...budget.rateLimitedBy },
        retryWaitMs: Math.round(budget.retryWaitMs),
        transportErrors: budget.transportErrors,
        requests: budget.requests,
        syncResponses: observers.reduce((a, ob) => a + ob.responses, 0),
        syncErrors: observers.reduce((a, ob) => a + ob.errors, 0),
        receiptsSeenAtSync: observers.reduce((a, ob) => a + ob.receiptsSeen, 0),
        edusReceived: remote?.edusReceived() ?? 0,
        unattributedAtSync: ledger.unattributed.sync,
        unattributedAtRemote: ledger.unattributed.remote,
        behindSchedule: paced.behindSchedule,
        maxLagMs: paced.maxLagMs,
      },
      throughput: {
        requestedPerS: o.rate,
        acceptedPerS: round2((countPosts(ledger.posts, 'local', 'accepted') + countPosts(ledger.posts, 'remote', 'accepted')) / (postingMs / 1000)),
        localAcceptedPerS: round2(countPosts(ledger.posts, 'local', 'accepted') / (postingMs / 1000)),
        remoteAcceptedPerS: round2(countPosts(ledger.posts, 'remote', 'accepted') / (postingMs / 1000)),
      },
      ...figures(ledger.posts, startedAtEpoch),
      cpu: cpuReport && { ...cpuReport, wallMs: Math.round(cpuReport.wallMs), serverCpuMs: Math.round(cpuReport.serverCpuMs), harnessCpuMs: Math.round(cpuReport.harnessCpuMs) },
      invariants: invariants.results(),
    };
  } finally {
    stopping = true;
    await Promise.all(loops);
    await remote?.stop();
  }
}

export function targetHeader(handle: Pick<TargetHandle, 'id' | 'kind' | 'baseUrl' | 'software'>): Pick<LoadTargetReport, 'id' | 'kind' | 'homeserver' | 'software'> {
  return { id: handle.id, kind: handle.kind as LoadTargetReport['kind'], homeserver: handle.baseUrl, software: handle.software };
}

const round2 = (v: number) => (Number.isFinite(v) ? Math.round(v * 100) / 100 : 0);
const countPosts = (posts: PostRecord[], origin: 'local' | 'remote', state: PostRecord['state']) =>
  posts.filter((p) => p.phase === 'load' && p.origin === origin && p.state === state).length;

/** Posts one planned receipt (locally through /receipt or remotely in a transaction) and records the outcome. */
async function postOne(item: Planned, world: World, ledger: Ledger, budget: RunBudget, remote: RemoteSide | undefined): Promise<void> {
  const room = world.rooms[item.room]!;
  const eventId = world.events[item.room]![item.eventIndex]!;
  const { type, thread } = item.kind;
  if (item.remote) {
    const userId = remote!.userIds[item.user]!;
    const post = ledger.add({ seq: item.seq, phase: item.phase, origin: 'remote', room, userId, eventId, type, thread });
    try {
      const r = await remote!.sendReceipt(budget, userId, room, eventId, thread);
      if (r.status === 200) ledger.accepted(post, r.sentAt, r.ms, r.status);
      else ledger.failed(post, r.status);
    } catch (err) {
      ledger.failed(post, undefined, describeCause(err));
    }
    return;
  }
  const user = item.phase === 'sentinel' ? world.sentinel : world.posters[item.user]!;
  const post = ledger.add({ seq: item.seq, phase: item.phase, origin: 'local', room, userId: user.userId, eventId, type, thread });
  let sentAt = 0;
  try {
    const { res } = await budget.withRetry(
      'POST /receipt',
      () => {
        sentAt = epochMs();
        return user.call('POST', `/rooms/${enc(room)}/receipt/${enc(type)}/${enc(eventId)}`, { json: thread === null ? {} : { thread_id: thread } });
      },
      (r) => retryAfterMs(r.json),
    );
    if (res.status === 200) ledger.accepted(post, sentAt, res.ms, res.status);
    else ledger.failed(post, res.status, typeof res.json?.errcode === 'string' ? res.json.errcode : undefined);
  } catch (err) {
    ledger.failed(post, undefined, describeCause(err));
  }
}

/** Latency figures of the workload's receipts (sentinels left out). */
function figures(posts: PostRecord[], t0: number): Pick<LoadTargetReport, 'latency' | 'cdf' | 'overTime'> {
  const samples: Record<MetricId, Sample[]> = { receiptPost: [], syncDelivery: [], federationDelivery: [], remoteSend: [], remoteSyncDelivery: [] };
  for (const p of posts) {
    if (p.phase !== 'load' || p.state !== 'accepted' || p.sentAt === undefined) continue;
    const at = p.sentAt - t0;
    const local = p.origin === 'local';
    samples[local ? 'receiptPost' : 'remoteSend'].push({ at, ms: p.ackMs! });
    for (const seen of p.seenAtSync.values()) samples[local ? 'syncDelivery' : 'remoteSyncDelivery'].push({ at, ms: Math.max(0, seen - p.sentAt) });
    if (local && p.seenAtRemote !== undefined) samples.federationDelivery.push({ at, ms: Math.max(0, p.seenAtRemote - p.sentAt) });
  }
  const pick = <T>(f: (s: Sample[]) => T) => Object.fromEntries(METRIC_IDS.map((m) => [m, f(samples[m])])) as Record<MetricId, T>;
  return {
    latency: pick((s) => summarise(s.map((x) => x.ms))),
    cdf: pick((s) => cdf(s.map((x) => x.ms))),
    overTime: pick((s) => overTime(s)),
  };
}
