// One flattening of receipts, whatever carried them: an m.receipt event in /sync
// ({eventId: {type: {userId: data}}}) or an m.receipt EDU ({roomId: {type: {userId: {event_ids, data}}}}).
// Both become the same entries, so every check matches threads and timestamps the same way.
import { asObject, type JsonObject } from './json.ts';
import { receiptEvents } from './sync-view.ts';

export interface ReceiptEntry {
  roomId: string;
  /** The events the receipt names: one in /sync; the EDU's event_ids (possibly malformed) over federation. */
  eventIds: unknown[];
  type: string;
  userId: string;
  /** The per-user object in /sync; the `data` object of an EDU. */
  data: JsonObject;
  /** Index of the m.receipt event (or EDU) the entry came from. */
  source: number;
}

/**
 * The receipts of one client-format m.receipt event ({eventId: {type: {userId: data}}}), as /sync,
 * the sliding sync extension and application-service transactions all carry it.
 */
export function eventReceipts(ev: JsonObject, roomId: string, source = 0): ReceiptEntry[] {
  const out: ReceiptEntry[] = [];
  for (const [eventId, byType] of Object.entries(asObject(ev.content) ?? {})) {
    for (const [type, byUser] of Object.entries(asObject(byType) ?? {})) {
      for (const [userId, value] of Object.entries(asObject(byUser) ?? {})) {
        out.push({ roomId, eventIds: [eventId], type, userId, data: asObject(value) ?? { value }, source });
      }
    }
  }
  return out;
}

/** Receipts of one room in one /sync response. */
export function syncReceipts(sync: unknown, roomId: string): ReceiptEntry[] {
  return receiptEvents(sync, roomId).flatMap((ev, source) => eventReceipts(ev, roomId, source));
}

/** Receipts of every room in one EDU; an EDU of another type has none. */
export function eduReceipts(edu: { edu_type: string; content: unknown }, source = 0): ReceiptEntry[] {
  if (edu.edu_type !== 'm.receipt') return [];
  const out: ReceiptEntry[] = [];
  for (const [roomId, byType] of Object.entries(asObject(edu.content) ?? {})) {
    for (const [type, byUser] of Object.entries(asObject(byType) ?? {})) {
      for (const [userId, value] of Object.entries(asObject(byUser) ?? {})) {
        const v = asObject(value) ?? {};
        out.push({ roomId, eventIds: Array.isArray(v.event_ids) ? v.event_ids : [], type, userId, data: asObject(v.data) ?? {}, source });
      }
    }
  }
  return out;
}

/**
 * `undefined`: any thread; `null`: no thread_id key at all (an unthreaded receipt); otherwise the
 * exact thread_id (`main` or a root's event ID).
 */
export type ThreadWant = string | null | undefined;

export function threadMatches(e: ReceiptEntry, thread: ThreadWant): boolean {
  if (thread === undefined) return true;
  if (thread === null) return !('thread_id' in e.data);
  return e.data.thread_id === thread;
}

/** The slot a receipt fills: one event per (user, receipt type, thread or unthreaded). */
export function slotOf(e: ReceiptEntry): string {
  return `${e.userId} ${e.type} ${threadCategory(e)}`;
}

export function threadCategory(e: ReceiptEntry): string {
  return typeof e.data.thread_id === 'string' ? `thread:${e.data.thread_id}` : 'unthreaded';
}

export interface ReceiptWant {
  roomId?: string;
  eventId?: string;
  type?: string;
  userId?: string;
  thread?: ThreadWant;
}

export function matches(e: ReceiptEntry, w: ReceiptWant): boolean {
  return (
    (w.roomId === undefined || e.roomId === w.roomId) &&
    (w.eventId === undefined || e.eventIds.includes(w.eventId)) &&
    (w.type === undefined || e.type === w.type) &&
    (w.userId === undefined || e.userId === w.userId) &&
    threadMatches(e, w.thread)
  );
}

export function describeWant(w: ReceiptWant): string {
  const parts = [w.type ?? 'any', 'receipt'];
  if (w.userId) parts.push(`by ${w.userId}`);
  if (w.eventId) parts.push(`on ${w.eventId}`);
  if (w.thread !== undefined) parts.push(`with thread ${w.thread === null ? '(none)' : w.thread}`);
  if (w.roomId) parts.push(`in ${w.roomId}`);
  return parts.join(' ');
}

export function summary(e: ReceiptEntry): JsonObject {
  return { room: e.roomId, event_ids: e.eventIds, type: e.type, user: e.userId, data: e.data };
}

/** How far a server-set ts may be from the suite's clock. */
export const TS_WINDOW_MS = 10 * 60 * 1000;

/** `server`: an integer near now; a number: exactly that; `{not: n}`: an integer other than n. */
export type TsWant = 'server' | number | { not: number };

export function tsProblem(ts: unknown, want: TsWant | undefined, nowMs: number): string | undefined {
  if (want === undefined) return undefined;
  if (typeof want === 'number') return ts === want ? undefined : `ts is ${JSON.stringify(ts)}, expected ${want}`;
  if (!Number.isInteger(ts)) return `ts is ${JSON.stringify(ts)}, not an integer`;
  if (want === 'server') return Math.abs((ts as number) - nowMs) > TS_WINDOW_MS ? `ts ${ts} is more than 10 minutes from the suite's clock (${nowMs})` : undefined;
  return ts === want.not ? `ts is ${ts}, the value the client sent; the server must set it` : undefined;
}
