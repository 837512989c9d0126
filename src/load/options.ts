// Options of `receipts-conformance load`. Every knob has a hard cap: the command sends real
// traffic, and must stay bounded in count and time whatever it is given.
import { parseArgs } from 'node:util';
import { SHARED_OPTIONS, UsageError } from '../cli/args.ts';
import { planWorkload } from './plan.ts';

export { UsageError };

export const LOAD_USAGE = `receipts-conformance load — read receipts under load

Usage:
  receipts-conformance load [options]

N local users in M rooms post receipts at R per second for T seconds; users on the suite's fake
federation server do the same over federation. Observers long-poll /sync. The run measures
/receipt latency and delivery latency (to /sync and to the remote server) and checks that no
receipt is lost, batching and deltas hold, and no private receipt leaks.

Target (several kinds run one after another into one report):
  --target KIND[,KIND...]   synapse (default), dendrite, or url (with --homeserver)
  --homeserver URL          the server under test (implies --target url)
  --shared-secret SECRET    register users with the shared-secret admin API (or RC_SHARED_SECRET)
  --users-file FILE         pre-made users: YAML/JSON list of {user_id, access_token}
  --synapse-version V       Synapse to install (default 1.163.2)
  --dendrite-version V      Dendrite to build (default 0.13.8)

Workload:
  --users N                 local users posting receipts (default 10, at most 200)
  --rooms M                 rooms; every user joins every room (default 3, at most 50)
  --rate R                  receipts per second, all users together (default 20, at most 500)
  --duration T              seconds of posting (default 10, at most 600)
  --remote-users K          users on the fake federation server (default 1; at most 20; 0 when
                            --homeserver is not on loopback, which the fake server cannot serve)
  --observers O             users long-polling /sync (default 2, at most 10)
  --private-share F         share of local receipts that are m.read.private (default 0.2)
  --threaded-share F        share of receipts with thread_id "main" (default 0.2)
  --seed N                  seed of the workload's random choices (default 1)
  --thread-collisions       let a user's unthreaded and "main" receipts land on the same event,
                            which one m.receipt event cannot carry (matrix-spec#1727); off by default

Bounds:
  --max-requests N          hard cap on HTTP requests per target (default 100000, at most 200000)
  --max-in-flight N         receipts in flight at once (default 32, at most 64)
  --drain-timeout S         after posting, how long the last receipts may take (default 30, at most 300)
  --deadline S              the whole run of one target, set-up included (default: from the
                            workload; at most 1800)

Output:
  --report-dir DIR          where load-report.json and load-report.html go (default reports/)

Exit codes: 0 every invariant held, 1 an invariant broke, 2 bad usage, 3 a target could not be
started or used.
`;

export type LoadTargetKind = 'synapse' | 'dendrite' | 'url';
const KINDS: readonly LoadTargetKind[] = ['synapse', 'dendrite', 'url'];

export const LOAD_LIMITS = {
  users: 200,
  rooms: 50,
  memberships: 2_000,
  rate: 500,
  durationS: 600,
  receipts: 50_000,
  remoteUsers: 20,
  remoteJoins: 200,
  observers: 10,
  maxRequests: 200_000,
  maxInFlight: 64,
  drainTimeoutS: 300,
  deadlineS: 1_800,
  eventsPerRoom: 500,
  setupEvents: 5_000,
} as const;

/** The shape of a load run, as the report records it (LoadConfig adds what the plan derived). */
export interface Workload {
  users: number;
  rooms: number;
  rate: number;
  durationS: number;
  remoteUsers: number;
  observers: number;
  privateShare: number;
  threadedShare: number;
  seed: number;
  threadCollisions: boolean;
  maxRequests: number;
  maxInFlight: number;
  drainTimeoutS: number;
  deadlineS: number;
}

export interface LoadOptions extends Workload {
  help: boolean;
  targets: LoadTargetKind[];
  homeserver?: string;
  sharedSecret?: string;
  usersFile?: string;
  synapseVersion?: string;
  dendriteVersion?: string;
  reportDir: string;
}

/** The `npm test`-sized run: small enough for a 2-core machine, big enough to interleave. */
export const TEST_LOAD_ARGS = ['--users', '10', '--rooms', '3', '--rate', '20', '--duration', '10', '--remote-users', '1', '--observers', '2'];

function number(name: string, raw: string | undefined, dflt: number, o: { min: number; max: number; integer?: boolean }): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (o.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} expects ${o.integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  if (n < o.min || n > o.max) throw new UsageError(`--${name} must be between ${o.min} and ${o.max}, got ${raw}`);
  return n;
}

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Parses `load`'s arguments (a leading "load" is accepted). Throws UsageError (exit code 2). */
export function parseLoadOptions(argv: string[]): LoadOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...SHARED_OPTIONS,
        users: { type: 'string' },
        rooms: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        'remote-users': { type: 'string' },
        observers: { type: 'string' },
        'private-share': { type: 'string' },
        'threaded-share': { type: 'string' },
        seed: { type: 'string' },
        'thread-collisions': { type: 'boolean' },
        'max-requests': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'drain-timeout': { type: 'string' },
        deadline: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  const extra = positionals[0] === 'load' ? positionals.slice(1) : positionals;
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const targets = (v.target ?? (v.homeserver ? 'url' : 'synapse')).split(',').map((t) => t.trim()) as LoadTargetKind[];
  for (const t of targets) if (!KINDS.includes(t)) throw new UsageError(`--target must be one or more of ${KINDS.join(', ')}, got "${t}"`);
  if (new Set(targets).size !== targets.length) throw new UsageError('--target names a kind twice');
  if (targets.includes('url') && !v.homeserver) throw new UsageError('--target url needs --homeserver URL');
  if (v.homeserver !== undefined) {
    let ok = false;
    try {
      ok = /^https?:$/.test(new URL(v.homeserver).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--homeserver must be an http(s) URL, got "${v.homeserver}"`);
  }
  const farUrl = targets.includes('url') && v.homeserver !== undefined && !isLoopbackUrl(v.homeserver);

  const L = LOAD_LIMITS;
  const users = number('users', v.users, 10, { min: 1, max: L.users, integer: true });
  const rooms = number('rooms', v.rooms, 3, { min: 1, max: L.rooms, integer: true });
  const rate = number('rate', v.rate, 20, { min: 0.1, max: L.rate });
  const durationS = number('duration', v.duration, 10, { min: 1, max: L.durationS });
  const remoteUsers = number('remote-users', v['remote-users'], farUrl ? 0 : 1, { min: 0, max: L.remoteUsers, integer: true });
  const observers = number('observers', v.observers, 2, { min: 1, max: L.observers, integer: true });
  const privateShare = number('private-share', v['private-share'], 0.2, { min: 0, max: 1 });
  const threadedShare = number('threaded-share', v['threaded-share'], 0.2, { min: 0, max: 1 });
  const seed = number('seed', v.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true });
  const maxRequests = number('max-requests', v['max-requests'], 100_000, { min: 100, max: L.maxRequests, integer: true });
  const maxInFlight = number('max-in-flight', v['max-in-flight'], 32, { min: 1, max: L.maxInFlight, integer: true });
  const drainTimeoutS = number('drain-timeout', v['drain-timeout'], 30, { min: 1, max: L.drainTimeoutS });

  if (farUrl && remoteUsers > 0) {
    throw new UsageError(`--remote-users needs the server to reach the fake federation server on this machine's loopback, which ${new URL(v.homeserver!).host} cannot; use --remote-users 0`);
  }
  if (privateShare + threadedShare > 1) throw new UsageError('--private-share and --threaded-share add up to more than 1');
  if (users * rooms > L.memberships) throw new UsageError(`--users × --rooms is ${users * rooms}; at most ${L.memberships} memberships`);
  if (remoteUsers * rooms > L.remoteJoins) throw new UsageError(`--remote-users × --rooms is ${remoteUsers * rooms}; at most ${L.remoteJoins} federated joins`);
  const receipts = Math.round(rate * durationS);
  if (receipts > L.receipts) throw new UsageError(`--rate × --duration is ${receipts} receipts; at most ${L.receipts}`);
  if (receipts < 1) throw new UsageError('--rate × --duration must make at least one receipt');

  // The plan decides how many events each room needs; building it here makes a workload that
  // cannot be served a usage error rather than a failure halfway through set-up.
  const threadCollisions = v['thread-collisions'] ?? false;
  const plan = planWorkload({ users, rooms, rate, durationS, remoteUsers, privateShare, threadedShare, seed, threadCollisions });
  if (plan.eventsPerRoom > L.eventsPerRoom || plan.eventsPerRoom * rooms > L.setupEvents) {
    throw new UsageError(
      `this workload posts so many receipts into one (user, type, thread) slot, each on a newer event, ` +
        `that it needs ${plan.eventsPerRoom} events per room (limits: ${L.eventsPerRoom} per room, ${L.setupEvents} in all). Add users or rooms, or lower --rate × --duration.`,
    );
  }
  const setupRequests = setupRequestEstimate({ users, rooms, observers, remoteUsers, eventsPerRoom: plan.eventsPerRoom });
  if (receipts + setupRequests > maxRequests) {
    throw new UsageError(`this workload needs about ${receipts + setupRequests} requests before any /sync, over --max-requests ${maxRequests}`);
  }
  // Set-up at a pessimistic 20 requests per second (a rate-limited server) plus posting and drain.
  const computedDeadline = Math.ceil(120 + durationS + drainTimeoutS + setupRequests / 20);
  const deadlineS = number('deadline', v.deadline, Math.min(L.deadlineS, computedDeadline), { min: 10, max: L.deadlineS });
  if (deadlineS < durationS + 10) throw new UsageError(`--deadline ${deadlineS} leaves no time for set-up and drain after ${durationS} s of posting`);

  return {
    help: v.help ?? false,
    targets,
    homeserver: v.homeserver,
    sharedSecret: v['shared-secret'] ?? process.env.RC_SHARED_SECRET,
    usersFile: v['users-file'],
    synapseVersion: v['synapse-version'],
    dendriteVersion: v['dendrite-version'],
    users,
    rooms,
    rate,
    durationS,
    remoteUsers,
    observers,
    privateShare,
    threadedShare,
    seed,
    threadCollisions,
    maxRequests,
    maxInFlight,
    drainTimeoutS,
    deadlineS,
    reportDir: v['report-dir'] ?? 'reports',
  };
}

/** Registrations, room creation, joins and events of the set-up phase. */
export function setupRequestEstimate(s: { users: number; rooms: number; observers: number; remoteUsers: number; eventsPerRoom: number }): number {
  const localUsers = s.users + s.observers + 1;
  return localUsers * 2 + s.rooms + localUsers * s.rooms + s.rooms * s.eventsPerRoom + s.remoteUsers * s.rooms * 2;
}
