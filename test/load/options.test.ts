import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { LOAD_LIMITS, TEST_LOAD_ARGS, isLoopbackUrl, parseLoadOptions } from '../../src/load/options.ts';
import { planWorkload } from '../../src/load/plan.ts';

const usage = (argv: string[]) => {
  try {
    parseLoadOptions(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseLoadOptions', () => {
  it('has small defaults: the npm test configuration', () => {
    const o = parseLoadOptions(['load']);
    expect(o).toMatchObject({ targets: ['synapse'], users: 10, rooms: 3, rate: 20, durationS: 10, remoteUsers: 1, observers: 2, reportDir: 'reports', help: false });
    expect(parseLoadOptions(TEST_LOAD_ARGS)).toMatchObject({ users: 10, rooms: 3, rate: 20, durationS: 10, remoteUsers: 1 });
    expect(o.deadlineS).toBeGreaterThan(o.durationS + o.drainTimeoutS);
    expect(o.deadlineS).toBeLessThanOrEqual(LOAD_LIMITS.deadlineS);
  });

  it('takes several targets and a URL', () => {
    expect(parseLoadOptions(['--target', 'synapse,dendrite']).targets).toEqual(['synapse', 'dendrite']);
    const o = parseLoadOptions(['--homeserver', 'http://127.0.0.1:8008', '--shared-secret', 's3cret']);
    expect(o).toMatchObject({ targets: ['url'], homeserver: 'http://127.0.0.1:8008', sharedSecret: 's3cret', remoteUsers: 1 });
    expect(parseLoadOptions(['-h']).help).toBe(true);
  });

  it('refuses values past the hard caps', () => {
    expect(usage(['--users', String(LOAD_LIMITS.users + 1)])).toMatch(/--users must be between 1 and 200/);
    expect(usage(['--rate', '501'])).toMatch(/--rate/);
    expect(usage(['--duration', '601'])).toMatch(/--duration/);
    expect(usage(['--users', '100', '--rooms', '30'])).toMatch(/memberships/);
    expect(usage(['--rate', '200', '--duration', '300'])).toMatch(/receipts; at most/);
    expect(usage(['--max-requests', '200'])).toMatch(/--max-requests 200/);
    expect(usage(['--deadline', '5000'])).toMatch(/--deadline/);
    expect(usage(['--deadline', '15'])).toMatch(/leaves no time/);
  });

  it('refuses workloads that need too many events per room', () => {
    expect(usage(['--users', '1', '--rooms', '1', '--rate', '100', '--duration', '60'])).toMatch(/events per room/);
  });

  it('refuses malformed values and unknown options', () => {
    expect(usage(['--users', 'ten'])).toMatch(/integer/);
    expect(usage(['--rate', ''])).toMatch(/number/);
    expect(usage(['--bogus'])).toMatch(/bogus/);
    expect(usage(['load', 'extra'])).toMatch(/unexpected argument "extra"/);
    expect(usage(['--target', 'conduit'])).toMatch(/synapse, dendrite, url/);
    expect(usage(['--target', 'url'])).toMatch(/needs --homeserver/);
    expect(usage(['--homeserver', 'ftp://x'])).toMatch(/http\(s\) URL/);
    expect(usage(['--private-share', '0.7', '--threaded-share', '0.5'])).toMatch(/more than 1/);
  });

  it('keeps federation on loopback: a far URL gets no remote users, and asking for them is an error', () => {
    expect(parseLoadOptions(['--homeserver', 'https://matrix.example.org']).remoteUsers).toBe(0);
    expect(usage(['--homeserver', 'https://matrix.example.org', '--remote-users', '1'])).toMatch(/loopback/);
    expect(isLoopbackUrl('http://localhost:8008')).toBe(true);
    expect(isLoopbackUrl('http://127.3.0.1')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8008')).toBe(true);
    expect(isLoopbackUrl('http://10.0.0.1')).toBe(false);
  });
});

describe('planWorkload', () => {
  const shape = { users: 10, rooms: 3, rate: 20, durationS: 10, remoteUsers: 1, privateShare: 0.2, threadedShare: 0.2, seed: 1 };

  it('is the same for the same seed, and paced at the rate', () => {
    const a = planWorkload(shape);
    expect(planWorkload(shape)).toEqual(a);
    expect(planWorkload({ ...shape, seed: 2 })).not.toEqual(a);
    expect(a.receipts).toHaveLength(200);
    expect(a.receipts[1]!.atMs).toBe(50);
    expect(a.receipts[199]!.atMs).toBe(9950);
  });

  it('moves every slot forward, and keeps private, unthreaded and threaded receipts on different events', () => {
    for (const threadCollisions of [false, true]) {
      const plan = planWorkload({ ...shape, threadCollisions });
      const last = new Map<string, number>();
      let highest = 0;
      for (const r of plan.receipts) {
        expect(r.eventIndex).toBeGreaterThan(last.get(r.slot) ?? -1);
        last.set(r.slot, r.eventIndex);
        highest = Math.max(highest, r.eventIndex);
        const lane = r.kind.type === 'm.read.private' ? 'private' : r.kind.thread === null || threadCollisions ? 'public' : 'threaded';
        expect(r.eventIndex % (threadCollisions ? 2 : 3)).toBe({ public: 0, threaded: 1, private: threadCollisions ? 1 : 2 }[lane]);
      }
      expect(plan.eventsPerRoom).toBe(highest + 2);
      expect(plan.slots).toBe(last.size);
    }
    const collide = planWorkload({ ...shape, threadCollisions: true });
    expect(collide.eventsPerRoom).toBeLessThan(planWorkload(shape).eventsPerRoom);
    expect(parseLoadOptions(['--thread-collisions']).threadCollisions).toBe(true);
    expect(parseLoadOptions([]).threadCollisions).toBe(false);
  });

  it('mixes private and threaded receipts, and never sends a private one over federation', () => {
    const plan = planWorkload({ ...shape, rate: 100, durationS: 50, users: 50, rooms: 10, remoteUsers: 10 });
    const local = plan.receipts.filter((r) => !r.remote);
    const remote = plan.receipts.filter((r) => r.remote);
    const share = (list: typeof local, f: (r: (typeof local)[number]) => boolean) => list.filter(f).length / list.length;
    expect(share(local, (r) => r.kind.type === 'm.read.private')).toBeCloseTo(0.2, 1);
    expect(share(local, (r) => r.kind.thread === 'main')).toBeCloseTo(0.2, 1);
    expect(remote.length).toBeGreaterThan(0);
    expect(remote.every((r) => r.kind.type === 'm.read')).toBe(true);
    expect(share(remote, (r) => r.kind.thread === 'main')).toBeCloseTo(0.25, 1);
  });
});
