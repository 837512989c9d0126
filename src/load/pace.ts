// The workload's clock: each receipt is started at its planned time after the start of posting.
// The timer here is the schedule itself (an open-loop rate), not a wait standing in for an event.
// Receipts of one slot are sent one after another, as one client would: two receipts of a slot in
// flight at once could be stored in either order, and then "the last one posted" means nothing.
import { setTimeout as delay } from 'node:timers/promises';

export interface PaceResult {
  started: number;
  notStarted: number;
  /** Items started more than `lateMs` after their planned time. */
  behindSchedule: number;
  maxLagMs: number;
  /** Why posting stopped before the plan ended, if it did. */
  stoppedEarly?: string;
}

export interface PaceOptions {
  /** performance.now() at which the plan's time 0 falls. */
  startAt: number;
  maxInFlight: number;
  /** Returns a reason to stop starting new items, or null. */
  stop: () => string | null;
  lateMs?: number;
}

export async function pace<T extends { atMs: number; slot: string }>(items: readonly T[], o: PaceOptions, exec: (item: T) => Promise<void>): Promise<PaceResult> {
  const lateMs = o.lateMs ?? 100;
  const result: PaceResult = { started: 0, notStarted: 0, behindSchedule: 0, maxLagMs: 0 };
  const chains = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const due = o.startAt + item.atMs;
    const ahead = due - performance.now();
    if (ahead > 1) await delay(ahead);
    while (inFlight >= o.maxInFlight) await new Promise<void>((r) => (wake = r));
    const why = o.stop();
    if (why !== null) {
      result.stoppedEarly = why;
      result.notStarted = items.length - i;
      break;
    }
    const lag = Math.max(0, performance.now() - due);
    result.maxLagMs = Math.max(result.maxLagMs, lag);
    if (lag > lateMs) result.behindSchedule += 1;
    result.started += 1;
    inFlight += 1;
    const previous = chains.get(item.slot) ?? Promise.resolve();
    const p: Promise<void> = previous
      .then(() => exec(item))
      .catch(() => undefined)
      .finally(() => {
        inFlight -= 1;
        running.delete(p);
        if (chains.get(item.slot) === p) chains.delete(item.slot);
        const w = wake;
        wake = undefined;
        w?.();
      });
    chains.set(item.slot, p);
    running.add(p);
  }
  await Promise.all([...running]);
  result.maxLagMs = Math.round(result.maxLagMs);
  return result;
}
