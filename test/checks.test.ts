// Every assertion kind is fed a response that breaks it and must fail: a check that cannot fail
// is a defect.
import { describe, it, expect } from 'vitest';
import { evalCheck, evalWindow, syncWith, receiptEv, ROOM, NOW, txn, receiptEdu } from './support/checks.ts';



describe('timeline', () => {
  it('is final at once for an event whose transaction the target refused', () => {
    const o = evalCheck({ timeline: { event: 'refused' } }, syncWith([]));
    expect(o).toMatchObject({ state: 'mismatch', message: 'event $refused will not arrive: the transaction carrying it was refused with 400' });
    expect(evalCheck({ timeline: { event: 'x' } }, syncWith([])).state).toBe('pending');
  });
});

describe('receipt (present, exact shape)', () => {
  const good = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: NOW } } } })]);
  it('matches a present receipt with a server ts', () => {
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', ts: 'server' } }, good).state).toBe('match');
  });
  it('stays pending when the receipt is absent', () => {
    expect(evalCheck({ receipt: { room: 'room', event: 'e2', user: 'bob' } }, good).state).toBe('pending');
  });
  it('fails on a ts that is not an integer', () => {
    const bad = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: '12' } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', ts: 'server' } }, bad).state).toBe('mismatch');
  });
  it('fails on the ts the client sent', () => {
    const bad = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: 1 } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', ts: { not: 1 } } }, bad).state).toBe('mismatch');
  });
  it('fails on a ts far from now', () => {
    const bad = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: 5 } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', ts: 'server' } }, bad).state).toBe('mismatch');
  });
  it('fails on extra keys when exact', () => {
    const bad = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: NOW, junk: 1 } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', exact: true } }, bad).state).toBe('mismatch');
  });
  it('does not accept a threaded receipt where an unthreaded one is expected', () => {
    const threaded = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: NOW, thread_id: 'main' } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', thread: null } }, threaded).state).toBe('pending');
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', thread: 'main' } }, threaded).state).toBe('match');
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob', thread: 'root' } }, threaded).state).toBe('pending');
  });
  it('ignores receipts of another type or room', () => {
    const other = { next_batch: 's', rooms: { join: { '!other:hs': { ephemeral: { events: [receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: NOW } } } })] } } } } };
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob' } }, other).state).toBe('pending');
    const priv = syncWith([receiptEv({ $e1: { 'm.read.private': { '@bob:hs': { ts: NOW } } } })]);
    expect(evalCheck({ receipt: { room: 'room', event: 'e1', user: 'bob' } }, priv).state).toBe('pending');
  });
});

describe('no_receipt, no_receipt_type, no_ephemeral_type, no_room_id (absence)', () => {
  const leaked = syncWith([receiptEv({ $e1: { 'm.read.private': { '@alice:hs': { ts: NOW } }, 'm.fully_read': { '@alice:hs': { ts: NOW } } } }), { type: 'm.receipt', room_id: ROOM, content: {} }]);
  it('fails when the receipt is there', () => {
    expect(evalCheck({ no_receipt: { room: 'room', user: 'alice' } }, leaked).state).toBe('mismatch');
    expect(evalCheck({ no_receipt: { room: 'room', user: 'alice', type: 'm.read.private' } }, leaked).state).toBe('mismatch');
    expect(evalCheck({ no_receipt: { room: 'room', user: 'alice', event: 'e1' } }, leaked).state).toBe('mismatch');
  });
  it('passes when only other users or events are there', () => {
    expect(evalCheck({ no_receipt: { room: 'room', user: 'carol' } }, leaked).state).toBe('match');
    expect(evalCheck({ no_receipt: { room: 'room', user: 'alice', event: 'e2' } }, leaked).state).toBe('match');
  });
  it('fails on a forbidden receipt type key', () => {
    expect(evalCheck({ no_receipt_type: { room: 'room', type: 'm.fully_read' } }, leaked).state).toBe('mismatch');
  });
  it('fails on a forbidden ephemeral type', () => {
    expect(evalCheck({ no_ephemeral_type: { room: 'room', type: 'm.receipt' } }, leaked).state).toBe('mismatch');
  });
  it('fails on a room_id in the event', () => {
    expect(evalCheck({ no_room_id: { room: 'room' } }, leaked).state).toBe('mismatch');
  });
});

describe('receipt_events_per_room (batching)', () => {
  const two = syncWith([receiptEv({ $e1: { 'm.read': { '@a:hs': { ts: NOW } } } }), receiptEv({ $e1: { 'm.read': { '@b:hs': { ts: NOW } } } })]);
  it('fails on two m.receipt events for one room', () => {
    expect(evalWindow({ receipt_events_per_room: { room: 'room' } }, [two]).state).toBe('mismatch');
  });
  it('fails per thread only when a category repeats', () => {
    expect(evalWindow({ receipt_events_per_room: { room: 'room', per_thread: true } }, [two]).state).toBe('mismatch');
    const split = syncWith([receiptEv({ $e1: { 'm.read': { '@a:hs': { ts: NOW } } } }), receiptEv({ $e1: { 'm.read': { '@a:hs': { ts: NOW, thread_id: 'main' } } } })]);
    expect(evalWindow({ receipt_events_per_room: { room: 'room', per_thread: true } }, [split]).state).toBe('match');
  });
  it('passes on one event', () => {
    expect(evalWindow({ receipt_events_per_room: { room: 'room' } }, [syncWith([receiptEv({})])]).state).toBe('match');
  });
});

describe('one_per_slot (clobbering)', () => {
  it('fails when a user holds two unthreaded m.read receipts', () => {
    const stale = syncWith([receiptEv({ $e1: { 'm.read': { '@bob:hs': { ts: NOW } } }, $e2: { 'm.read': { '@bob:hs': { ts: NOW } } } })]);
    expect(evalWindow({ one_per_slot: { room: 'room' } }, [stale]).state).toBe('mismatch');
  });
  it('passes for different threads, types or users', () => {
    const ok = syncWith([
      receiptEv({
        $e1: { 'm.read': { '@bob:hs': { ts: NOW }, '@carol:hs': { ts: NOW } }, 'm.read.private': { '@bob:hs': { ts: NOW } } },
        $e2: { 'm.read': { '@bob:hs': { ts: NOW, thread_id: 'main' }, '@carol:hs': { ts: NOW, thread_id: '$root' } } },
      }),
    ]);
    expect(evalWindow({ one_per_slot: { room: 'room' } }, [ok]).state).toBe('match');
  });
});

describe('only_receipts (delta)', () => {
  const check = { only_receipts: { room: 'room', receipts: [{ user: 'carol', event: 'e1' }] } };
  it('fails when an unchanged receipt is repeated', () => {
    const repeated = syncWith([receiptEv({ $e1: { 'm.read': { '@carol:hs': { ts: NOW }, '@bob:hs': { ts: NOW } } } })]);
    expect(evalWindow(check, [repeated]).state).toBe('mismatch');
  });
  it('fails when an expected receipt is missing', () => {
    expect(evalWindow(check, [syncWith([])]).state).toBe('mismatch');
  });
  it('passes on exactly the delta, across several responses', () => {
    expect(evalWindow(check, [syncWith([]), syncWith([receiptEv({ $e1: { 'm.read': { '@carol:hs': { ts: NOW } } } })])]).state).toBe('match');
  });
});

describe('timeline, account_data, unread, joined, left', () => {
  it('timeline waits for the event', () => {
    const s = { rooms: { join: { [ROOM]: { timeline: { events: [{ event_id: '$x' }] } } } } };
    expect(evalCheck({ timeline: { room: 'room', event: 'x' } }, s).state).toBe('match');
    expect(evalCheck({ timeline: { room: 'room', event: 'y' } }, s).state).toBe('pending');
  });
  it('account_data waits for the right event_id', () => {
    const s = syncWith([], { account_data: { events: [{ type: 'm.fully_read', content: { event_id: '$old' } }] } });
    expect(evalCheck({ account_data: { room: 'room', type: 'm.fully_read', event_id: 'new' } }, s).state).toBe('pending');
    expect(evalCheck({ account_data: { room: 'room', type: 'm.fully_read', event_id: 'old' } }, s).state).toBe('match');
  });
  it('unread compares main and thread counts', () => {
    const s = syncWith([], { unread_notifications: { notification_count: 2, highlight_count: 0 }, unread_thread_notifications: { $root: { notification_count: 1 } } });
    expect(evalCheck({ unread: { room: 'room', notification_count: 1 } }, s).state).toBe('pending');
    expect(evalCheck({ unread: { room: 'room', notification_count: 2, threads: { root: { notification_count: 0 } } } }, s).state).toBe('pending');
    expect(evalCheck({ unread: { room: 'room', notification_count: 2, threads: { root: { notification_count: 1 }, other: { notification_count: 0 } } } }, s).state).toBe('match');
  });
  it('joined and left look at the right section', () => {
    const left = { rooms: { leave: { [ROOM]: {} } } };
    expect(evalCheck({ left: { room: 'room' } }, left).state).toBe('match');
    expect(evalCheck({ joined: { room: 'room' } }, left).state).toBe('pending');
  });
});

describe('no_account_data, ephemeral, no_thread_counts', () => {
  const s = syncWith([{ type: 'm.typing', content: { user_ids: [] } }], { account_data: { events: [{ type: 'm.fully_read', content: { event_id: '$x' } }] }, unread_thread_notifications: { $root: { notification_count: 1 } } });
  it('no_account_data fails when the type is there', () => {
    expect(evalCheck({ no_account_data: { room: 'room', type: 'm.fully_read' } }, s).state).toBe('mismatch');
    expect(evalCheck({ no_account_data: { room: 'room', type: 'm.tag' } }, s).state).toBe('match');
  });
  it('ephemeral waits for the type', () => {
    expect(evalCheck({ ephemeral: { room: 'room', type: 'm.typing' } }, s).state).toBe('match');
    expect(evalCheck({ ephemeral: { room: 'room', type: 'm.receipt' } }, s).state).toBe('pending');
  });
  it('no_thread_counts fails when thread counts are present', () => {
    expect(evalCheck({ no_thread_counts: { room: 'room' } }, s).state).toBe('mismatch');
    expect(evalCheck({ no_thread_counts: { room: 'room' } }, syncWith([])).state).toBe('match');
  });
});

describe('edu_receipt: a receipt that crossed federation in the wrong thread is final', () => {
  it('mismatches at once instead of waiting', () => {
    const t = txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'], { ts: NOW }));
    expect(evalCheck({ edu_receipt: { user: 'bob', event: 'e1', thread: 'main' } }, t).state).toBe('mismatch');
    expect(evalCheck({ edu_receipt: { user: 'bob', event: 'e1' } }, t).state).toBe('match');
    expect(evalCheck({ edu_receipt: { user: 'bob', event: 'e2', thread: 'main' } }, t).state).toBe('pending');
  });
});
