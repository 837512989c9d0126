// An observer: a room member that long-polls /sync with since tokens and judges every response
// against the batching, slot, delta and privacy invariants as it arrives.
import type { MatrixUser } from '../client/matrix.ts';
import { BudgetExhausted, retryAfterMs, type RunBudget } from './budget.ts';
import type { InvariantLog } from './invariants.ts';
import { describeSlot, slotId, type Ledger } from './ledger.ts';

/** Only what the observer needs: rooms' ephemeral events, no timeline, state or account data. */
export const OBSERVER_FILTER = JSON.stringify({
  presence: { not_types: ['*'] },
  account_data: { not_types: ['*'] },
  room: { timeline: { limit: 0 }, state: { not_types: ['*'] }, account_data: { not_types: ['*'] } },
});

export const epochMs = (): number => performance.timeOrigin + performance.now();

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export class Observer {
  /** Slot → event ID this observer's /sync last showed. */
  readonly state = new Map<string, string>();
  responses = 0;
  errors = 0;
  receiptsSeen = 0;
  private since: string | undefined;
  /** Slot → response number in which it last changed, for evidence. */
  private changedAt = new Map<string, number>();

  constructor(
    readonly user: MatrixUser,
    private readonly rooms: ReadonlySet<string>,
    private readonly log: InvariantLog,
    private readonly ledger: Ledger,
  ) {
    ledger.addObserver(user.userId, this.state);
  }

  get id(): string {
    return this.user.userId;
  }

  /** Judges one /sync body seen at `t` (epoch ms). The first response is a snapshot, not a delta. */
  judge(body: unknown, t: number, incremental: boolean): void {
    const n = ++this.responses;
    const join = isObject(body) && isObject(body.rooms) && isObject(body.rooms.join) ? body.rooms.join : {};
    for (const [room, value] of Object.entries(join)) {
      if (!this.rooms.has(room)) continue;
      const ephemeral = isObject(value) && isObject(value.ephemeral) && Array.isArray(value.ephemeral.events) ? value.ephemeral.events : [];
      const receiptEvents = ephemeral.filter((e): e is Record<string, unknown> => isObject(e) && e.type === 'm.receipt');
      if (receiptEvents.length === 0) continue;
      this.judgeBatching(receiptEvents, room, n);
      const inResponse = new Set<string>();
      for (const ev of receiptEvents) this.judgeEvent(ev, room, n, t, incremental, inResponse);
    }
  }

  /**
   * Since v1.10 receipts are batched per room *and thread*: several m.receipt events for one room
   * are fine as long as no thread (or the unthreaded receipts) is split across two of them.
   */
  private judgeBatching(events: Record<string, unknown>[], room: string, n: number): void {
    const eventsPerThread = new Map<string, number>();
    for (const ev of events) {
      const threads = new Set<string>();
      for (const byType of Object.values(isObject(ev.content) ? ev.content : {})) {
        for (const byUser of Object.values(isObject(byType) ? byType : {})) {
          for (const data of Object.values(isObject(byUser) ? byUser : {})) threads.add(isObject(data) && typeof data.thread_id === 'string' ? `thread ${data.thread_id}` : 'unthreaded');
        }
      }
      for (const t of threads) eventsPerThread.set(t, (eventsPerThread.get(t) ?? 0) + 1);
    }
    const split = [...eventsPerThread].filter(([, count]) => count > 1);
    this.log.check('one-event-per-room-and-thread', split.length === 0, () =>
      `${this.id}'s /sync response #${n} held ${events.length} m.receipt events for ${room}, splitting ${split.map(([t, c]) => `${t} receipts over ${c}`).join(' and ')}`,
    );
  }

  private judgeEvent(ev: Record<string, unknown>, room: string, n: number, t: number, incremental: boolean, inResponse: Set<string>): void {
    const inEvent = new Map<string, string>();
    const content = isObject(ev.content) ? ev.content : {};
    for (const [eventId, byType] of Object.entries(content)) {
      if (!isObject(byType)) continue;
      for (const [type, byUser] of Object.entries(byType)) {
        if (!isObject(byUser)) continue;
        for (const [userId, data] of Object.entries(byUser)) {
          const thread = isObject(data) && typeof data.thread_id === 'string' ? data.thread_id : null;
          const r = { room, eventId, type, userId, thread };
          const slot = slotId(room, userId, type, thread);
          this.receiptsSeen += 1;
          const other = inEvent.get(slot);
          this.log.check('one-per-slot', other === undefined, () => `${this.id}'s /sync response #${n}: one m.receipt event holds ${describeSlot(r)} on both ${other} and ${eventId}`);
          inEvent.set(slot, eventId);
          if (userId !== this.id) {
            this.log.check('no-private-leak-sync', type !== 'm.read.private', () => `${this.id}'s /sync response #${n} showed another user's private receipt: ${describeSlot(r)} on ${eventId}`);
          }
          if (incremental && !inResponse.has(slot)) {
            const before = this.state.get(slot);
            this.log.check('deltas-only', before !== eventId, () =>
              `${this.id}'s /sync response #${n} repeated ${describeSlot(r)} on ${eventId}, unchanged since response #${this.changedAt.get(slot) ?? '?'}`,
            );
          }
          inResponse.add(slot);
          if (this.state.get(slot) !== eventId) this.changedAt.set(slot, n);
          this.state.set(slot, eventId);
          this.ledger.seenAtSync(this.id, r, t);
        }
      }
    }
  }

  private sync(budget: RunBudget, timeoutMs: number) {
    const query = { filter: OBSERVER_FILTER, timeout: String(timeoutMs), ...(this.since === undefined ? {} : { since: this.since }) };
    return budget.withRetry('GET /sync', () => this.user.sync(query, timeoutMs + 20_000), (r) => retryAfterMs(r.json));
  }

  /** The snapshot the deltas are judged from. */
  async initial(budget: RunBudget): Promise<void> {
    const { res } = await this.sync(budget, 0);
    if (res.status !== 200 || typeof res.json?.next_batch !== 'string') {
      throw new Error(`initial /sync of observer ${this.id} answered ${res.status}: ${res.text.slice(0, 200)}`);
    }
    this.judge(res.json, epochMs(), false);
    this.since = res.json.next_batch;
  }

  /** Long-polls until `stop()` says so. Five failed responses in a row end it with an error. */
  async run(budget: RunBudget, stop: () => boolean, pollMs: number): Promise<void> {
    let failures = 0;
    while (!stop()) {
      let res;
      try {
        res = (await this.sync(budget, pollMs)).res;
      } catch (err) {
        if (stop() || err instanceof BudgetExhausted) return;
        this.errors += 1;
        if (++failures >= 5) throw err;
        continue;
      }
      if (res.status !== 200 || typeof res.json?.next_batch !== 'string') {
        this.errors += 1;
        if (++failures >= 5) throw new Error(`/sync of observer ${this.id} failed five times in a row, last with ${res.status}: ${res.text.slice(0, 200)}`);
        continue;
      }
      failures = 0;
      this.judge(res.json, epochMs(), true);
      this.since = res.json.next_batch;
    }
  }
}
