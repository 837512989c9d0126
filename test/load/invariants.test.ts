// Every invariant the load run checks, seen failing on a wrong response and holding on a right one.
import { describe, it, expect } from 'vitest';
import type { MatrixUser } from '../../src/client/matrix.ts';
import { InvariantLog, type InvariantId } from '../../src/load/invariants.ts';
import { Ledger } from '../../src/load/ledger.ts';
import { Observer } from '../../src/load/observer.ts';

const ROOM = '!room:hs';
const OBS = '@obs:hs';
const ALICE = '@alice:hs';
const BOB = '@bob:hs';

function world(remote = false) {
  const log = new InvariantLog();
  const ledger = new Ledger(log, remote);
  const observer = new Observer({ userId: OBS } as MatrixUser, new Set([ROOM]), log, ledger);
  const status = (id: InvariantId) => log.results().find((r) => r.id === id)!;
  return { log, ledger, observer, status };
}

/** A /sync body with the given m.receipt contents for ROOM (one event each). */
function sync(...contents: Record<string, unknown>[]) {
  return { next_batch: 's', rooms: { join: { [ROOM]: { ephemeral: { events: contents.map((content) => ({ type: 'm.receipt', content })) } } } } };
}
const receipt = (eventId: string, type: string, userId: string, thread?: string) => ({ [eventId]: { [type]: { [userId]: { ts: 1, ...(thread ? { thread_id: thread } : {}) } } } });

let seq = 0;
function post(ledger: Ledger, userId: string, eventId: string, type: 'm.read' | 'm.read.private' = 'm.read', thread: 'main' | null = null, origin: 'local' | 'remote' = 'local') {
  const p = ledger.add({ seq: seq++, phase: 'load', origin, room: ROOM, userId, eventId, type, thread });
  ledger.accepted(p, Date.now(), 5, 200);
  return p;
}

describe('one-event-per-room-and-thread', () => {
  it('fails when two m.receipt events for one room both carry receipts of one thread', () => {
    const w = world();
    w.observer.judge(sync(receipt('$a', 'm.read', ALICE), receipt('$b', 'm.read', BOB)), 1, true);
    expect(w.status('one-event-per-room-and-thread')).toMatchObject({ status: 'fail', violations: 1, level: 'SHOULD', rules: ['R-CS-09'] });
    expect(w.status('one-event-per-room-and-thread').evidence[0]).toMatch(/held 2 m\.receipt events for !room:hs, splitting unthreaded receipts over 2/);
  });
  it('holds for one event per room, for one event per thread, and ignores rooms outside the run', () => {
    const w = world();
    const body = sync({ ...receipt('$a', 'm.read', ALICE), ...receipt('$b', 'm.read', BOB, 'main') });
    (body.rooms.join as Record<string, unknown>)['!other:hs'] = { ephemeral: { events: [{ type: 'm.receipt', content: {} }, { type: 'm.receipt', content: {} }] } };
    w.observer.judge(body, 1, true);
    // An unthreaded and a main receipt of one user on one event cannot share a content: two events.
    w.observer.judge(sync(receipt('$c', 'm.read', ALICE), receipt('$c', 'm.read', ALICE, 'main')), 2, true);
    expect(w.status('one-event-per-room-and-thread')).toMatchObject({ status: 'pass', checked: 2 });
  });
});

describe('one-per-slot', () => {
  it('fails when one event holds a user\'s receipt of one type and thread on two events', () => {
    const w = world();
    w.observer.judge(sync({ ...receipt('$a', 'm.read', ALICE), ...receipt('$b', 'm.read', ALICE) }), 1, true);
    expect(w.status('one-per-slot').status).toBe('fail');
    expect(w.status('one-per-slot').evidence[0]).toMatch(/@alice:hs m\.read in !room:hs on both \$a and \$b/);
  });
  it('holds when the two differ by thread', () => {
    const w = world();
    w.observer.judge(sync({ ...receipt('$a', 'm.read', ALICE), ...receipt('$b', 'm.read', ALICE, 'main') }), 1, true);
    expect(w.status('one-per-slot')).toMatchObject({ status: 'pass', checked: 2 });
  });
});

describe('deltas-only', () => {
  it('fails when an incremental response repeats an unchanged receipt', () => {
    const w = world();
    w.observer.judge(sync(receipt('$a', 'm.read', ALICE)), 1, false);
    w.observer.judge(sync({ ...receipt('$a', 'm.read', ALICE), ...receipt('$b', 'm.read', BOB) }), 2, true);
    expect(w.status('deltas-only')).toMatchObject({ status: 'fail', violations: 1, checked: 2 });
    expect(w.status('deltas-only').evidence[0]).toMatch(/response #2 repeated @alice:hs m\.read in !room:hs on \$a, unchanged since response #1/);
  });
  it('holds when each response carries only changes, and the initial snapshot is not a delta', () => {
    const w = world();
    w.observer.judge(sync(receipt('$a', 'm.read', ALICE)), 1, false);
    w.observer.judge(sync(receipt('$b', 'm.read', ALICE)), 2, true);
    w.observer.judge(sync(receipt('$a', 'm.read', BOB)), 3, true);
    expect(w.status('deltas-only')).toMatchObject({ status: 'pass', checked: 2 });
  });
});

describe('no-private-leak-sync', () => {
  it("fails on another user's m.read.private", () => {
    const w = world();
    w.observer.judge(sync(receipt('$a', 'm.read.private', ALICE)), 1, true);
    expect(w.status('no-private-leak-sync').status).toBe('fail');
    expect(w.status('no-private-leak-sync').evidence[0]).toMatch(/another user's private receipt: @alice:hs m\.read\.private/);
  });
  it('fails when a private receipt comes back as m.read', () => {
    const w = world();
    post(w.ledger, ALICE, '$p', 'm.read.private');
    w.observer.judge(sync(receipt('$p', 'm.read', ALICE)), 1, true);
    expect(w.status('no-private-leak-sync').status).toBe('fail');
    expect(w.status('no-private-leak-sync').evidence[0]).toMatch(/only posted m\.read\.private/);
  });
  it("holds for public receipts and the observer's own private one", () => {
    const w = world();
    post(w.ledger, ALICE, '$p', 'm.read.private');
    post(w.ledger, ALICE, '$p', 'm.read');
    w.observer.judge(sync({ ...receipt('$p', 'm.read', ALICE), ...receipt('$q', 'm.read.private', OBS) }), 1, true);
    expect(w.status('no-private-leak-sync')).toMatchObject({ status: 'pass', checked: 1 });
  });
});

describe('no-lost-receipt-sync', () => {
  it('fails when an observer never shows the last receipt of a slot, or ends on an older one', () => {
    const w = world();
    post(w.ledger, ALICE, '$1');
    post(w.ledger, ALICE, '$2');
    post(w.ledger, BOB, '$1');
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE)), 1, true);
    w.ledger.judgeLost(false);
    const r = w.status('no-lost-receipt-sync');
    expect(r).toMatchObject({ status: 'fail', violations: 2, checked: 2 });
    expect(r.evidence.join('\n')).toMatch(/@alice:hs m\.read in !room:hs: last receipt on \$2 .*ended on \$1/);
    expect(r.evidence.join('\n')).toMatch(/@bob:hs .* never showed this slot/);
  });
  it('names a mix-up of two slots of one user', () => {
    const w = world();
    post(w.ledger, ALICE, '$1');
    post(w.ledger, ALICE, '$2', 'm.read', 'main');
    // The server dropped thread_id: the main-thread receipt shows up unthreaded.
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE)), 1, true);
    w.observer.judge(sync(receipt('$2', 'm.read', ALICE)), 2, true);
    w.ledger.judgeLost(false);
    expect(w.status('no-lost-receipt-sync').evidence.join('\n')).toMatch(/ended on \$2, a receipt the same user posted as m\.read \(thread main\): the server did not keep the two slots apart/);
  });
  it('names an unthreaded and a threaded receipt of one user on one event that reached /sync as one', () => {
    const w = world();
    post(w.ledger, ALICE, '$1');
    post(w.ledger, ALICE, '$1', 'm.read', 'main');
    // One content: event → type → user holds only one of the two.
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE)), 1, true);
    w.ledger.judgeLost(false);
    expect(w.status('no-lost-receipt-sync').evidence.join('\n')).toMatch(/m\.read \(thread main\) .* never showed this slot; the same user also posted m\.read \(unthreaded\) on that event, and one m\.receipt content cannot carry both \(matrix-spec#1727\)/);
  });
  it('holds when the last receipt arrives, and drained() resolves at that moment', async () => {
    const w = world();
    post(w.ledger, ALICE, '$1');
    post(w.ledger, ALICE, '$2');
    w.ledger.finishPosting();
    let drained = false;
    const done = w.ledger.drained().then(() => (drained = true));
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE)), 1, true);
    await Promise.resolve();
    expect(drained).toBe(false);
    w.observer.judge(sync(receipt('$2', 'm.read', ALICE)), 2, true);
    await done;
    w.ledger.judgeLost(false);
    expect(w.status('no-lost-receipt-sync')).toMatchObject({ status: 'pass', checked: 1 });
  });
  it('records delivery time per observer for matched receipts', () => {
    const w = world();
    const p = post(w.ledger, ALICE, '$1', 'm.read', 'main');
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE, 'main')), 1234, true);
    expect(p.seenAtSync.get(OBS)).toBe(1234);
    expect(w.ledger.unattributed.sync).toBe(0);
  });
});

describe('federation', () => {
  it('fails no-private-leak-federation on a private receipt in an EDU, or a private one sent as m.read', () => {
    const w = world(true);
    post(w.ledger, ALICE, '$p', 'm.read.private');
    w.ledger.seenAtRemote({ room: ROOM, eventId: '$x', type: 'm.read.private', userId: BOB, thread: null }, 1);
    w.ledger.seenAtRemote({ room: ROOM, eventId: '$p', type: 'm.read', userId: ALICE, thread: null }, 2);
    const r = w.status('no-private-leak-federation');
    expect(r).toMatchObject({ status: 'fail', violations: 2 });
    expect(r.evidence[0]).toMatch(/received a private receipt: @bob:hs m\.read\.private/);
  });
  it('fails no-lost-receipt-federation when the remote server ends on an older receipt; remote users are not expected back', () => {
    const w = world(true);
    post(w.ledger, ALICE, '$1');
    post(w.ledger, ALICE, '$2');
    post(w.ledger, '@r:fake', '$1', 'm.read', null, 'remote');
    w.ledger.seenAtRemote({ room: ROOM, eventId: '$1', type: 'm.read', userId: ALICE, thread: null }, 1);
    w.ledger.judgeLost(true);
    const r = w.status('no-lost-receipt-federation');
    expect(r).toMatchObject({ status: 'fail', violations: 1, checked: 1 });
    expect(r.evidence[0]).toMatch(/the remote server last received \$1/);
  });
  it('holds, and waits for the remote server before draining', async () => {
    const w = world(true);
    const p = post(w.ledger, ALICE, '$1');
    w.observer.judge(sync(receipt('$1', 'm.read', ALICE)), 1, true);
    w.ledger.finishPosting();
    expect(w.ledger.isDrained()).toBe(false);
    w.ledger.seenAtRemote({ room: ROOM, eventId: '$1', type: 'm.read', userId: ALICE, thread: null }, 99);
    await w.ledger.drained();
    w.ledger.judgeLost(true);
    expect(w.status('no-lost-receipt-federation')).toMatchObject({ status: 'pass', checked: 1 });
    expect(w.status('no-private-leak-federation')).toMatchObject({ status: 'pass', checked: 1 });
    expect(p.seenAtRemote).toBe(99);
  });
});

describe('InvariantLog', () => {
  it('keeps at most ten examples, and marks unjudged or skipped invariants as skip', () => {
    const log = new InvariantLog();
    for (let i = 0; i < 25; i++) log.check('one-per-slot', false, () => `example ${i}`);
    log.skip('no-lost-receipt-federation', 'no remote users');
    const r = log.results();
    expect(r.find((x) => x.id === 'one-per-slot')).toMatchObject({ status: 'fail', violations: 25, checked: 25 });
    expect(r.find((x) => x.id === 'one-per-slot')!.evidence).toHaveLength(10);
    expect(r.find((x) => x.id === 'no-lost-receipt-federation')).toMatchObject({ status: 'skip', note: 'no remote users' });
    expect(r.find((x) => x.id === 'deltas-only')).toMatchObject({ status: 'skip', note: 'nothing to judge was observed' });
  });
});
