// Every transaction the homeserver pushed to the suite's application service, in arrival order,
// with event-driven waits on it. One log per target run, shared by all scenarios: each reads only
// the transactions that name its own rooms (room IDs are unique per scenario), so no scenario sees
// another's data. Bounded: the oldest entries go first when a cap is reached.
import { asObject } from '../runner/json.ts';
import type { ObservedTxn, ObserveReply } from './access.ts';

export interface RecordedTxn extends ObservedTxn {
  /** Size of the first body, for the byte cap. */
  bytes: number;
  /** Digest of the first body, to tell a faithful retry from an altered one. */
  digest: string;
}

export interface LogLimits {
  maxTxns: number;
  maxBytes: number;
  /** Largest number of transactions one observer reply carries. */
  pageSize: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxTxns: 5_000, maxBytes: 64 * 1024 * 1024, pageSize: 50 };

export interface Selector {
  rooms: ReadonlySet<string>;
  events: ReadonlySet<string>;
}

/** The item is about one of the selected rooms: by its room_id, or (an m.receipt lacking one) by the events it names. */
function ephemeralSelected(item: unknown, sel: Selector): boolean {
  const o = asObject(item);
  if (!o) return false;
  if (typeof o.room_id === 'string') return sel.rooms.has(o.room_id);
  return o.type === 'm.receipt' && Object.keys(asObject(o.content) ?? {}).some((id) => sel.events.has(id));
}

/** The transaction reduced to what concerns the selector, or undefined when nothing does. */
export function selectTxn(t: RecordedTxn, sel: Selector): ObservedTxn | undefined {
  const ephemeral = t.ephemeral.filter((e) => ephemeralSelected(e, sel));
  const events = t.events.filter((e) => typeof e.room_id === 'string' && sel.rooms.has(e.room_id));
  if (!ephemeral.length && !events.length) return undefined;
  const { bytes: _b, digest: _d, ...rest } = t;
  return { ...rest, ephemeral, events };
}

interface Waiter {
  since: number;
  sel: Selector;
  wake: () => void;
}

export class TxnLog {
  private readonly entries: RecordedTxn[] = [];
  private readonly byTxnId = new Map<string, RecordedTxn>();
  private readonly waiters = new Set<Waiter>();
  /** seq of entries[0]; grows as the cap drops entries. */
  private base = 0;
  private bytes = 0;
  dropped = 0;

  constructor(private readonly limits: LogLimits = DEFAULT_LOG_LIMITS) {}

  /** The seq the next new transaction gets. */
  get end(): number {
    return this.base + this.entries.length;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Records a transaction; a txnId seen before is a retry (the AS acknowledges it again and keeps
   * the first body, as the spec's "AS ACK Lost" flow lets it), noted on the original entry.
   */
  add(t: Omit<RecordedTxn, 'seq' | 'repeats' | 'alteredOnRepeat'>): RecordedTxn {
    const prior = this.byTxnId.get(t.txnId);
    if (prior) {
      prior.repeats += 1;
      if (prior.digest !== t.digest) prior.alteredOnRepeat = true;
      return prior;
    }
    const entry: RecordedTxn = { ...t, seq: this.end, repeats: 0, alteredOnRepeat: false };
    this.entries.push(entry);
    this.byTxnId.set(entry.txnId, entry);
    this.bytes += entry.bytes;
    while (this.entries.length > 1 && (this.entries.length > this.limits.maxTxns || this.bytes > this.limits.maxBytes)) {
      const old = this.entries.shift()!;
      this.byTxnId.delete(old.txnId);
      this.bytes -= old.bytes;
      this.base += 1;
      this.dropped += 1;
    }
    for (const w of [...this.waiters]) if (entry.seq >= w.since && selectTxn(entry, w.sel)) w.wake();
    return entry;
  }

  /** Up to a page of selected transactions from `since` on, and where the next read starts. */
  read(since: number, sel: Selector): ObserveReply {
    const transactions: ObservedTxn[] = [];
    let i = Math.max(since, this.base) - this.base;
    for (; i < this.entries.length && transactions.length < this.limits.pageSize; i++) {
      const picked = selectTxn(this.entries[i]!, sel);
      if (picked) transactions.push(picked);
    }
    return { next: this.base + i, transactions, dropped: since < this.base ? this.base - since : 0 };
  }

  /** Resolves as soon as a selected transaction at or after `since` exists, or when the timeout passes. */
  async waitFor(since: number, sel: Selector, timeoutMs: number): Promise<ObserveReply> {
    const now = this.read(since, sel);
    if (now.transactions.length || timeoutMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const w: Waiter = { since: now.next, sel, wake: () => done() };
      const timer = setTimeout(() => done(), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(w);
        resolve();
      };
      this.waiters.add(w);
    });
    return this.read(now.next, sel);
  }

  /** Ends every wait at once (the receiver is stopping). */
  wakeAll(): void {
    for (const w of [...this.waiters]) w.wake();
  }
}
