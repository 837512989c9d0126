// What the fake server knows and has seen: joined rooms, every event by ID, and the EDUs, PDUs and requests
// the target sent, with event-driven waits on them (a waiter wakes when the item lands, or at its deadline).

import { computeEventId, type Pdu } from './events.ts';
import { stateKeyOf, type TrackedRoom } from './room-state.ts';

export interface ReceivedEdu {
  edu_type: string;
  content: unknown;
  /** The authenticated origin of the transaction. */
  origin: string;
  txnId: string;
  receivedAt: number;
}

export interface ReceivedPdu {
  event: Record<string, unknown>;
  /** Computed from the room's version; undefined for rooms this server has not joined. */
  eventId: string | undefined;
  roomId: string | undefined;
  origin: string;
  txnId: string;
  receivedAt: number;
}

export interface ReceivedRequest {
  method: string;
  /** Raw path + query. */
  path: string;
  status: number;
  /** Authenticated X-Matrix origin, when there was one. */
  origin?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Index in the received list to start from (default 0: already-received items count). */
  since?: number;
}

interface Waiter<T> {
  pred: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (err: Error) => void;
}

type Item = ReceivedEdu | ReceivedPdu | ReceivedRequest;

function describe(item: Item): string {
  if ('edu_type' in item) return item.edu_type;
  if ('event' in item) return String(item.event.type ?? '?');
  return `${item.method} ${item.path.split('?')[0]}`;
}

function summarise(items: readonly Item[]): string {
  const counts = new Map<string, number>();
  for (const it of items) counts.set(describe(it), (counts.get(describe(it)) ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([t, n]) => `${t}×${n}`).join(', ');
}

/** One list of received items with its waiters. */
class Feed<T extends Item> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  constructor(private readonly what: string) {}

  push(...items: T[]): void {
    this.items.push(...items);
  }

  /** Wake the waiters an item satisfies; call after every list is consistent. */
  notify(item: T): void {
    for (const w of [...this.waiters]) {
      let matched: boolean;
      try {
        matched = w.pred(item);
      } catch (e) {
        w.reject(e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (matched) w.resolve(item);
    }
  }

  wait(pred: (item: T) => boolean, opts: WaitOptions, where: string): Promise<T> {
    const since = opts.since ?? 0;
    const found = this.items.slice(since).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter<T> = {
        pred,
        resolve: (item) => (done(), resolve(item)),
        reject: (err) => (done(), reject(err)),
      };
      const timer = setTimeout(() => {
        const seen = this.items.slice(since);
        waiter.reject(
          new Error(`timed out after ${opts.timeoutMs} ms waiting for a matching ${this.what} at ${where}; ${seen.length} ${this.what}(s) received since index ${since}: ${summarise(seen)}`),
        );
      }, opts.timeoutMs);
      this.waiters.add(waiter);
    });
  }

  rejectAll(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
  }
}

export class FederationStore {
  readonly rooms = new Map<string, TrackedRoom>();
  /** Every event we know of, by ID, for `GET /event/{id}`. */
  readonly events = new Map<string, { event: Pdu; roomVersion: string }>();
  readonly edus = new Feed<ReceivedEdu>('EDU');
  readonly pdus = new Feed<ReceivedPdu>('PDU');
  readonly requests = new Feed<ReceivedRequest>('request');
  /** `${origin}\0${txnId}` → response body, for retried transactions. */
  readonly seenTxns = new Map<string, unknown>();

  constructor(private readonly log: (line: string) => void) {}

  /** Record an event in the room; optionally update state and forward extremities. Returns its ID. */
  rememberEvent(room: TrackedRoom, event: Pdu, opts: { asState?: boolean; advanceTips?: boolean }): string | undefined {
    let id: string;
    try {
      id = computeEventId(event, room.roomVersion);
    } catch (e) {
      this.log(`cannot compute event ID in ${room.roomId}: ${(e as Error).message}`);
      return undefined;
    }
    room.events.set(id, event);
    this.events.set(id, { event, roomVersion: room.roomVersion });
    if (opts.asState && typeof event.state_key === 'string') room.state.set(stateKeyOf(event.type, event.state_key), id);
    if (opts.advanceTips) {
      for (const prev of Array.isArray(event.prev_events) ? event.prev_events : []) room.tips.delete(prev);
      room.tips.add(id);
    }
    return id;
  }

  /** IDs of the events reachable through `auth_events` from `ids` (the auth chain), among events we know. */
  authChainIds(ids: string[]): string[] {
    const seen = new Set<string>();
    const authOf = (id: string): string[] => {
      const ev = this.events.get(id)?.event;
      return ev && Array.isArray(ev.auth_events) ? ev.auth_events : [];
    };
    const stack = ids.flatMap(authOf);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id) || !this.events.has(id)) continue;
      seen.add(id);
      stack.push(...authOf(id));
    }
    return [...seen];
  }

  /** The depth for an event on top of `prevEvents` (capped at 2^53 - 1). */
  nextDepth(prevEvents: readonly string[]): number {
    const depths = prevEvents.map((id) => Number(this.events.get(id)?.event.depth ?? 0));
    return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, ...depths) + 1);
  }

  rejectWaiters(err: Error): void {
    this.edus.rejectAll(err);
    this.pdus.rejectAll(err);
    this.requests.rejectAll(err);
  }
}
