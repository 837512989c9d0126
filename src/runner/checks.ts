// Matchers for /sync responses. Each returns an Outcome instead of throwing, so that the same
// matcher serves a one-shot snapshot, a sync-until loop and a "throughout" absence check; the
// runner decides what a mismatch costs from the check's level.
import { receiptEvents, receiptEntries, ephemeralEvents, timelineEventIds, roomAccountData, roomSection, unreadCounts, type ReceiptEntry } from './sync-view.ts';
import type { Check } from '../scenario/types.ts';

export interface Resolver {
  room(name: string): string;
  event(ref: string): string;
  user(ref: string): string;
  /** `main` stays `main`; anything else is an event reference. */
  thread(ref: string): string;
  nowMs(): number;
}

export type Outcome =
  | { state: 'match'; note?: string }
  | { state: 'pending'; note: string }
  | { state: 'mismatch'; message: string; expected?: unknown; actual?: unknown };

export const WINDOW_KINDS = new Set(['receipt_events_per_room', 'one_per_slot', 'only_receipts']);
/** Checks on counters, which only mean something once the other checks of a wait have passed. */
export const STATE_KINDS = new Set(['unread']);

export function checkKind(check: Check): [string, any] {
  const entry = Object.entries(check)[0];
  if (!entry) throw new Error('empty check');
  return entry as [string, any];
}

const TS_WINDOW_MS = 10 * 60 * 1000;

function threadMatches(entry: ReceiptEntry, thread: string | null | undefined, r: Resolver): boolean {
  if (thread === undefined) return true;
  if (thread === null) return !('thread_id' in entry.data);
  return entry.data.thread_id === r.thread(thread);
}

function entrySummary(e: ReceiptEntry) {
  return { event: e.eventId, type: e.type, user: e.userId, ...e.data };
}

function evalReceipt(args: any, sync: any, r: Resolver): Outcome {
  const roomId = r.room(args.room);
  const eventId = r.event(args.event);
  const userId = r.user(args.user);
  const type = args.type ?? 'm.read';
  const entries = receiptEntries(receiptEvents(sync, roomId));
  const sameKey = entries.filter((e) => e.eventId === eventId && e.type === type && e.userId === userId);
  const hit = sameKey.filter((e) => threadMatches(e, args.thread, r));
  if (!hit.length) {
    const other = sameKey.length ? `; seen with ${JSON.stringify(sameKey.map((e) => e.data))}` : entries.length ? `; saw ${entries.length} other receipt(s)` : '';
    return { state: 'pending', note: `no ${type} receipt by ${userId} on ${eventId}${args.thread !== undefined ? ` with thread ${args.thread === null ? '(none)' : r.thread(args.thread)}` : ''}${other}` };
  }
  const data = hit[0]!.data;
  const problems: string[] = [];
  const ts = data.ts;
  if (args.ts !== undefined) {
    if (args.ts === 'server') {
      if (!Number.isInteger(ts)) problems.push(`ts is ${JSON.stringify(ts)}, not an integer`);
      else if (Math.abs((ts as number) - r.nowMs()) > TS_WINDOW_MS) problems.push(`ts ${ts} is more than 10 minutes from the suite's clock (${r.nowMs()})`);
    } else if (typeof args.ts === 'number') {
      if (ts !== args.ts) problems.push(`ts is ${JSON.stringify(ts)}, expected ${args.ts}`);
    } else if (args.ts && typeof args.ts === 'object') {
      if (!Number.isInteger(ts)) problems.push(`ts is ${JSON.stringify(ts)}, not an integer`);
      else if (ts === args.ts.not) problems.push(`ts is ${ts}, the value the client sent; the server must set it`);
    }
  }
  if (args.exact) {
    const extra = Object.keys(data).filter((k) => k !== 'ts' && k !== 'thread_id');
    if (extra.length) problems.push(`unexpected keys ${extra.join(', ')} in the receipt`);
  }
  if (problems.length) {
    return {
      state: 'mismatch',
      message: `${type} receipt by ${userId} on ${eventId}: ${problems.join('; ')}`,
      expected: { ts: args.ts ?? '(any)', ...(args.thread !== undefined ? { thread_id: args.thread === null ? '(absent)' : r.thread(args.thread) } : {}), ...(args.exact ? { keys: 'ts, thread_id only' } : {}) },
      actual: data,
    };
  }
  return { state: 'match' };
}

function evalNoReceipt(args: any, sync: any, r: Resolver): Outcome {
  const roomId = r.room(args.room);
  const userId = r.user(args.user);
  const eventId = args.event !== undefined ? r.event(args.event) : undefined;
  const found = receiptEntries(receiptEvents(sync, roomId)).filter(
    (e) => e.userId === userId && (eventId === undefined || e.eventId === eventId) && (args.type === undefined || e.type === args.type) && threadMatches(e, args.thread, r),
  );
  if (found.length) {
    return {
      state: 'mismatch',
      message: `a receipt by ${userId}${eventId ? ` on ${eventId}` : ''}${args.type ? ` of type ${args.type}` : ''} appeared, and must not`,
      expected: 'no such receipt',
      actual: found.map(entrySummary),
    };
  }
  return { state: 'match' };
}

function evalNoReceiptType(args: any, sync: any, r: Resolver): Outcome {
  const found = receiptEntries(receiptEvents(sync, r.room(args.room))).filter((e) => e.type === args.type);
  if (found.length) return { state: 'mismatch', message: `an m.receipt event uses the receipt type ${args.type}`, expected: `no ${args.type} key under m.receipt`, actual: found.map(entrySummary) };
  return { state: 'match' };
}

function evalNoEphemeralType(args: any, sync: any, r: Resolver): Outcome {
  const found = ephemeralEvents(sync, r.room(args.room)).filter((e) => e?.type === args.type);
  if (found.length) return { state: 'mismatch', message: `${found.length} ephemeral ${args.type} event(s) appeared, and must not`, expected: `no ${args.type} event`, actual: found };
  return { state: 'match' };
}

function evalTimeline(args: any, sync: any, r: Resolver): Outcome {
  const eventId = r.event(args.event);
  return timelineEventIds(sync, r.room(args.room)).includes(eventId) ? { state: 'match' } : { state: 'pending', note: `event ${eventId} not in the timeline yet` };
}

function evalAccountData(args: any, sync: any, r: Resolver): Outcome {
  const events = roomAccountData(sync, r.room(args.room)).filter((e) => e?.type === args.type);
  if (!events.length) return { state: 'pending', note: `no ${args.type} in room account data yet` };
  if (args.event_id === undefined) return { state: 'match' };
  const want = r.event(args.event_id);
  const last = events[events.length - 1];
  if (last?.content?.event_id === want) return { state: 'match' };
  return { state: 'pending', note: `${args.type} points at ${JSON.stringify(last?.content?.event_id)}, waiting for ${want}` };
}

function evalUnread(args: any, sync: any, r: Resolver): Outcome {
  const roomId = r.room(args.room);
  const counts = unreadCounts(sync, roomId);
  if (!counts) return { state: 'pending', note: 'room absent from this response, or no unread_notifications' };
  const actual: Record<string, unknown> = { ...counts.main };
  const wrong: string[] = [];
  for (const key of ['notification_count', 'highlight_count'] as const) {
    if (args[key] !== undefined && (counts.main[key] ?? 0) !== args[key]) wrong.push(`${key} ${counts.main[key] ?? 0}, expected ${args[key]}`);
  }
  if (args.threads) {
    actual.threads = counts.threads ?? '(absent)';
    for (const [rootRef, want] of Object.entries(args.threads as Record<string, any>)) {
      const root = r.event(rootRef);
      const got = counts.threads?.[root] ?? {};
      for (const key of ['notification_count', 'highlight_count'] as const) {
        if (want[key] !== undefined && ((got as any)[key] ?? 0) !== want[key]) wrong.push(`thread ${rootRef}: ${key} ${(got as any)[key] ?? 0}, expected ${want[key]}`);
      }
    }
  }
  if (wrong.length) return { state: 'pending', note: wrong.join('; ') + ` (seen ${JSON.stringify(actual)})` };
  return { state: 'match' };
}

function evalNoAccountData(args: any, sync: any, r: Resolver): Outcome {
  const found = roomAccountData(sync, r.room(args.room)).filter((e) => e?.type === args.type);
  if (found.length) return { state: 'mismatch', message: `room account data ${args.type} appeared, and must not`, expected: `no ${args.type}`, actual: found };
  return { state: 'match' };
}

function evalEphemeral(args: any, sync: any, r: Resolver): Outcome {
  return ephemeralEvents(sync, r.room(args.room)).some((e) => e?.type === args.type) ? { state: 'match' } : { state: 'pending', note: `no ephemeral ${args.type} event yet` };
}

function evalNoThreadCounts(args: any, sync: any, r: Resolver): Outcome {
  const room = sync?.rooms?.join?.[r.room(args.room)];
  const threads = room?.unread_thread_notifications;
  if (threads && Object.keys(threads).length) return { state: 'mismatch', message: 'unread_thread_notifications is present without the filter asking for it', expected: '(absent)', actual: threads };
  return { state: 'match' };
}

function evalNoRoomId(args: any, sync: any, r: Resolver): Outcome {
  const bad = receiptEvents(sync, r.room(args.room)).filter((e) => 'room_id' in e);
  if (bad.length) return { state: 'mismatch', message: 'an m.receipt event in /sync carries room_id', expected: 'no room_id key', actual: bad[0] };
  return { state: 'match' };
}

function evalJoined(args: any, sync: any, r: Resolver): Outcome {
  return roomSection(sync, r.room(args.room))?.section === 'join' ? { state: 'match' } : { state: 'pending', note: 'room not under rooms.join yet' };
}

function evalLeft(args: any, sync: any, r: Resolver): Outcome {
  return roomSection(sync, r.room(args.room))?.section === 'leave' ? { state: 'match' } : { state: 'pending', note: 'room not under rooms.leave yet' };
}

/** Evaluates one non-window check against one response. */
export function evalCheck(check: Check, sync: any, r: Resolver): Outcome {
  const [kind, args] = checkKind(check);
  switch (kind) {
    case 'receipt':
      return evalReceipt(args, sync, r);
    case 'no_receipt':
      return evalNoReceipt(args, sync, r);
    case 'no_receipt_type':
      return evalNoReceiptType(args, sync, r);
    case 'no_ephemeral_type':
      return evalNoEphemeralType(args, sync, r);
    case 'timeline':
      return evalTimeline(args, sync, r);
    case 'account_data':
      return evalAccountData(args, sync, r);
    case 'unread':
      return evalUnread(args, sync, r);
    case 'no_room_id':
      return evalNoRoomId(args, sync, r);
    case 'joined':
      return evalJoined(args, sync, r);
    case 'no_account_data':
      return evalNoAccountData(args, sync, r);
    case 'ephemeral':
      return evalEphemeral(args, sync, r);
    case 'no_thread_counts':
      return evalNoThreadCounts(args, sync, r);
    case 'left':
      return evalLeft(args, sync, r);
    default:
      if (WINDOW_KINDS.has(kind)) return evalWindow(check, [sync], r);
      throw new Error(`unknown check kind ${kind}`);
  }
}

function threadCategory(e: ReceiptEntry): string {
  return typeof e.data.thread_id === 'string' ? `thread:${e.data.thread_id}` : 'unthreaded';
}

/** Evaluates a window check over every response of a wait (or one snapshot). */
export function evalWindow(check: Check, responses: any[], r: Resolver): Outcome {
  const [kind, args] = checkKind(check);
  const roomId = r.room(args.room);
  switch (kind) {
    case 'receipt_events_per_room': {
      for (const [i, sync] of responses.entries()) {
        const events = receiptEvents(sync, roomId);
        if (events.length <= 1) continue;
        const categories = new Set(receiptEntries(events).map(threadCategory));
        const allowed = args.per_thread ? Math.max(1, categories.size) : 1;
        if (events.length > allowed) {
          return {
            state: 'mismatch',
            message: `response #${i + 1} holds ${events.length} m.receipt events for the room${args.per_thread ? ` across ${categories.size} thread categories` : ''}; expected ${allowed === 1 ? 'one' : `at most ${allowed}`}`,
            expected: `${allowed} m.receipt event(s)`,
            actual: events,
          };
        }
      }
      return { state: 'match' };
    }
    case 'one_per_slot': {
      for (const [i, sync] of responses.entries()) {
        const seen = new Map<string, string>();
        for (const e of receiptEntries(receiptEvents(sync, roomId))) {
          const slot = `${e.userId} ${e.type} ${threadCategory(e)}`;
          const prev = seen.get(slot);
          if (prev !== undefined && prev !== e.eventId) {
            return {
              state: 'mismatch',
              message: `response #${i + 1}: ${e.userId} has two ${e.type} receipts (${threadCategory(e)}): on ${prev} and on ${e.eventId}`,
              expected: 'one event per (user, receipt type, thread)',
              actual: { slot, events: [prev, e.eventId] },
            };
          }
          seen.set(slot, e.eventId);
        }
      }
      return { state: 'match' };
    }
    case 'only_receipts': {
      const key = (user: string, event: string, type: string) => `${user} ${type} ${event}`;
      const want = new Map<string, any>();
      for (const rec of args.receipts as any[]) want.set(key(r.user(rec.user), r.event(rec.event), rec.type ?? 'm.read'), rec);
      const seen = new Map<string, ReceiptEntry>();
      for (const sync of responses) for (const e of receiptEntries(receiptEvents(sync, roomId))) seen.set(key(e.userId, e.eventId, e.type), e);
      const extra = [...seen.entries()].filter(([k]) => !want.has(k)).map(([, e]) => entrySummary(e));
      const missing = [...want.keys()].filter((k) => !seen.has(k));
      if (extra.length || missing.length) {
        return {
          state: 'mismatch',
          message: extra.length ? `the sync window repeated ${extra.length} receipt(s) that did not change` : `the sync window lacked ${missing.length} receipt(s)`,
          expected: [...want.keys()],
          actual: [...seen.values()].map(entrySummary),
        };
      }
      return { state: 'match' };
    }
    default:
      throw new Error(`${kind} is not a window check`);
  }
}
