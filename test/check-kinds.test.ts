// A check that cannot fail is a defect. The table below must name every registered check kind (the
// compiler enforces it: its type is a Record over the registry's kind names), each with an item it
// must NOT accept, and an item it must accept, so neither direction is vacuous.
import { describe, it, expect } from 'vitest';
import { CHECKS, type CheckKindName } from '../src/runner/checks/index.ts';
import type { CheckValue } from '../src/runner/kinds.ts';
import { evalCheck, evalWindow, syncWith, receiptEv, txn, receiptEdu, ROOM, NOW } from './support/checks.ts';

const read = (user: string, event = '$e1', data: object = { ts: NOW }) => receiptEv({ [event]: { 'm.read': { [user]: data } } });
/** A transaction pushed to the suite's application service (already reduced to the scenario's rooms). */
const asTxn = (ephemeral: Record<string, unknown>[], events: Record<string, unknown>[] = []) => ({ seq: 0, txnId: 't1', receivedAt: NOW, ephemeralKey: 'ephemeral', hasEvents: true, ephemeral, events, repeats: 0, alteredOnRepeat: false, auth: 'header' });
const asRead = (user: string, roomId?: string) => ({ ...read(user), ...(roomId ? { room_id: roomId } : {}) });
/** A simplified sliding sync response whose receipts extension holds this m.receipt event for the room. */
const slidingWith = (receiptEvent?: object, timeline: object[] = []) => ({ pos: 'p1', rooms: { [ROOM]: { timeline } }, extensions: { receipts: { rooms: receiptEvent ? { [ROOM]: receiptEvent } : {} } } });
const withAccountData = (type: string, eventId: string) => syncWith([], { account_data: { events: [{ type, content: { event_id: eventId } }] } });

interface Case {
  check: CheckValue;
  /** An item (or, for window checks, the items) the check must reject. */
  wrong: unknown;
  right: unknown;
}

const CASES: Record<CheckKindName, Case> = {
  receipt: { check: { receipt: { event: 'e1', user: 'bob', ts: 'server' } }, wrong: syncWith([read('@bob:hs', '$e1', { ts: 'soon' })]), right: syncWith([read('@bob:hs')]) },
  no_receipt: { check: { no_receipt: { user: 'bob' } }, wrong: syncWith([read('@bob:hs')]), right: syncWith([read('@carol:hs')]) },
  no_receipt_type: { check: { no_receipt_type: { type: 'm.read.private' } }, wrong: syncWith([receiptEv({ $e1: { 'm.read.private': { '@a:hs': { ts: NOW } } } })]), right: syncWith([read('@a:hs')]) },
  ephemeral: { check: { ephemeral: { type: 'm.typing' } }, wrong: syncWith([read('@a:hs')]), right: syncWith([{ type: 'm.typing', content: {} }]) },
  no_ephemeral_type: { check: { no_ephemeral_type: { type: 'm.receipt' } }, wrong: syncWith([read('@a:hs')]), right: syncWith([]) },
  timeline: { check: { timeline: { event: 'x' } }, wrong: syncWith([], { timeline: { events: [{ event_id: '$y' }] } }), right: syncWith([], { timeline: { events: [{ event_id: '$x' }] } }) },
  joined: { check: { joined: {} }, wrong: { rooms: { leave: { [ROOM]: {} } } }, right: { rooms: { join: { [ROOM]: {} } } } },
  left: { check: { left: {} }, wrong: { rooms: { join: { [ROOM]: {} } } }, right: { rooms: { leave: { [ROOM]: {} } } } },
  account_data: { check: { account_data: { type: 'm.fully_read', event_id: 'new' } }, wrong: withAccountData('m.fully_read', '$old'), right: withAccountData('m.fully_read', '$new') },
  no_account_data: { check: { no_account_data: { type: 'm.fully_read' } }, wrong: withAccountData('m.fully_read', '$x'), right: withAccountData('m.tag', '$x') },
  unread: {
    check: { unread: { notification_count: 2, threads: { root: { notification_count: 1 } } } },
    wrong: syncWith([], { unread_notifications: { notification_count: 2 }, unread_thread_notifications: { $root: { notification_count: 0 } } }),
    right: syncWith([], { unread_notifications: { notification_count: 2 }, unread_thread_notifications: { $root: { notification_count: 1 } } }),
  },
  no_thread_counts: { check: { no_thread_counts: {} }, wrong: syncWith([], { unread_thread_notifications: { $r: { notification_count: 1 } } }), right: syncWith([]) },
  no_room_id: { check: { no_room_id: {} }, wrong: syncWith([{ ...read('@a:hs'), room_id: ROOM }]), right: syncWith([read('@a:hs')]) },
  receipt_events_per_room: { check: { receipt_events_per_room: {} }, wrong: [syncWith([read('@a:hs'), read('@b:hs')])], right: [syncWith([read('@a:hs')]), syncWith([read('@b:hs')])] },
  one_per_slot: { check: { one_per_slot: {} }, wrong: [syncWith([receiptEv({ $e1: { 'm.read': { '@b:hs': { ts: NOW } } }, $e2: { 'm.read': { '@b:hs': { ts: NOW } } } })])], right: [syncWith([read('@b:hs'), read('@c:hs', '$e2')])] },
  only_receipts: { check: { only_receipts: { receipts: [{ user: 'carol', event: 'e1' }] } }, wrong: [syncWith([read('@carol:hs'), read('@bob:hs')])], right: [syncWith([]), syncWith([read('@carol:hs')])] },
  no_other_receipts: { check: { no_other_receipts: { except: [{ user: 'ok', event: 'e1' }] } }, wrong: [syncWith([read('@ok:hs'), read('@mal:hs')])], right: [syncWith([read('@ok:hs')]), syncWith([])] },
  edu_receipt: { check: { edu_receipt: { user: 'bob', event: 'e1', ts: 'server' } }, wrong: txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'], { ts: 3 })), right: txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'])) },
  no_edu_receipt: { check: { no_edu_receipt: { user: 'bob' } }, wrong: txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'])), right: txn(receiptEdu(ROOM, 'm.read', '@carol:hs', ['$e1'])) },
  no_edu_receipt_type: { check: { no_edu_receipt_type: { type: 'm.read.private' } }, wrong: txn(receiptEdu(ROOM, 'm.read.private', '@bob:hs', ['$e1'])), right: txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'])) },
  // Without its top-level room_id the receipt is misfiled, which is final (R-AS-01).
  as_receipt: { check: { as_receipt: { user: 'bob', event: 'e1', ts: 'server' } }, wrong: asTxn([asRead('@bob:hs')]), right: asTxn([asRead('@bob:hs', ROOM)]) },
  no_as_receipt: { check: { no_as_receipt: { user: 'bob' } }, wrong: asTxn([asRead('@bob:hs', ROOM)]), right: asTxn([asRead('@carol:hs', ROOM)]) },
  as_event: { check: { as_event: { event: 'e1' } }, wrong: asTxn([], [{ event_id: '$e2', room_id: ROOM }]), right: asTxn([], [{ event_id: '$e1', room_id: ROOM }]) },
  edu_latest: {
    // Bob's threaded receipt on e1 was clobbered by his later unthreaded one on e2: the thread slot was never sent.
    check: { edu_latest: { receipts: [{ user: 'bob', event: 'e1', thread: 'root' }, { user: 'bob', event: 'e2' }] } },
    wrong: [txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e2']))],
    right: [txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e1'], { ts: NOW, thread_id: '$root' })), txn(receiptEdu(ROOM, 'm.read', '@bob:hs', ['$e2']))],
  },
  // A threaded receipt whose thread_id was dropped on the way is not the receipt asked for.
  sliding_receipt: {
    check: { sliding_receipt: { user: 'bob', event: 'e1', thread: 'main', ts: 'server' } },
    wrong: slidingWith(read('@bob:hs', '$e1', { ts: NOW })),
    right: slidingWith(read('@bob:hs', '$e1', { ts: NOW, thread_id: 'main' })),
  },
  no_sliding_receipt: { check: { no_sliding_receipt: { user: 'bob', type: 'm.read.private' } }, wrong: slidingWith(receiptEv({ $e1: { 'm.read.private': { '@bob:hs': { ts: NOW } } } })), right: slidingWith(read('@bob:hs')) },
  sliding_timeline: { check: { sliding_timeline: { event: 'x' } }, wrong: slidingWith(undefined, [{ event_id: '$y' }]), right: slidingWith(undefined, [{ event_id: '$x' }]) },
  only_sliding_receipts: { check: { only_sliding_receipts: { receipts: [{ user: 'carol', event: 'e1' }] } }, wrong: [slidingWith(read('@bob:hs')), slidingWith(read('@carol:hs'))], right: [slidingWith(), slidingWith(read('@carol:hs'))] },
};

describe('every check kind fails on a wrong item and holds on a right one', () => {
  it('covers the whole registry', () => {
    expect(Object.keys(CASES).sort()).toEqual(CHECKS.map((c) => c.kind).sort());
  });
  for (const c of CHECKS) {
    const k = CASES[c.kind];
    const run = (x: unknown) => (c.phase === 'window' ? evalWindow(k.check, x as unknown[]) : evalCheck(k.check, x));
    it(`${c.kind} rejects the wrong ${c.phase === 'window' ? 'window' : 'item'}`, () => {
      expect(run(k.wrong).state).not.toBe('match');
    });
    it(`${c.kind} accepts the right ${c.phase === 'window' ? 'window' : 'item'}`, () => {
      expect(run(k.right).state).toBe('match');
    });
  }
});
