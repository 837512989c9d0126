// The client's /sync as a stream: long-polls from the actor's last position, each response one
// item. Every response is also checked against the m.receipt and m.fully_read schemas.
import { validator, ajvPath } from '../../scenario/schema.ts';
import { HarnessError, type ScenarioContext } from '../context.ts';
import { receiptEvents, roomAccountData } from '../sync-view.ts';
import { asObject, truncate } from '../json.ts';
import type { Stream } from '../wait.ts';
import type { SyncItem } from './items.ts';
import { canPostSentinel, postSentinel } from './sentinel.ts';
import { syncReceipts } from '../receipts.ts';

/** A filter that matches no room: the cheapest way to learn the current stream position. */
export const POSITION_ONLY = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

export interface SyncOptions {
  since?: string;
  filter?: unknown;
  timeoutMs: number;
  where: string;
}

export async function syncOnce(ctx: ScenarioContext, actor: string, opts: SyncOptions): Promise<SyncItem> {
  const user = ctx.actor(actor);
  const query: Record<string, string | undefined> = {
    timeout: String(opts.timeoutMs),
    since: opts.since,
    filter: opts.filter === undefined ? undefined : typeof opts.filter === 'string' ? opts.filter : JSON.stringify(opts.filter),
  };
  const res = await user.sync(query, opts.timeoutMs + 30_000);
  const body = asObject(res.json);
  if (res.status !== 200 || typeof body?.next_batch !== 'string') {
    throw new HarnessError(`${opts.where}: /sync for ${actor} answered ${res.status} ${truncate(res.text, 200)}`, res.record);
  }
  validateSync(ctx, body, opts.where);
  return body;
}

/** Takes a stream position for the actor so that later waits only see what happens after now. */
export async function markPosition(ctx: ScenarioContext, actor: string): Promise<void> {
  const res = await syncOnce(ctx, actor, { filter: POSITION_ONLY, timeoutMs: 0, where: `position of ${actor}` });
  ctx.positions.sync.set(actor, res.next_batch as string);
}

/** Wire schemas that apply to every response, whether or not the scenario asks. */
function validateSync(ctx: ScenarioContext, sync: SyncItem, where: string): void {
  const receipt = validator('m.receipt');
  const fullyRead = validator('m.fully_read');
  for (const roomId of ctx.rooms.values()) {
    for (const ev of receiptEvents(sync, roomId)) {
      const ok = receipt(ev);
      ctx.auto('m.receipt schema', { where, check: 'm.receipt event schema', defaultRules: ['R-CS-10'] }, ok ? undefined : { message: `an m.receipt event breaks the event schema: ${ajvPath(receipt.errors)}`, actual: ev });
    }
    for (const ev of roomAccountData(sync, roomId).filter((e) => e.type === 'm.fully_read')) {
      const ok = fullyRead(ev);
      ctx.auto('m.fully_read schema', { where, check: 'm.fully_read event schema', defaultRules: ['R-RM-07'] }, ok ? undefined : { message: `an m.fully_read event breaks the event schema: ${ajvPath(fullyRead.errors)}`, actual: ev });
    }
  }
}

/** The actor's sentinel receipt, and how to recognise its echo in a response. */
async function syncSentinel(ctx: ScenarioContext, actor: string): Promise<(item: SyncItem) => boolean> {
  const s = await postSentinel(ctx, actor);
  return (item) => syncReceipts(item, s.roomId).some((e) => e.userId === s.userId && e.eventIds.includes(s.eventId));
}

/**
 * Whether a filter could keep the sentinel's receipt out of a response: one that names rooms, or
 * filters ephemeral events or senders at all. Anything else (thread counts, timeline limits) lets it
 * through.
 */
export function filterMayHideSentinel(filter: unknown): boolean {
  if (filter === undefined) return false;
  const room = asObject(asObject(filter)?.room);
  if (typeof filter === 'string' || !room) return typeof filter === 'string' || asObject(filter) === undefined;
  return room.rooms !== undefined || room.ephemeral !== undefined || room.not_rooms !== undefined || room.include_leave !== undefined;
}

/** The actor's /sync from where its previous wait ended; the position moves on when the wait closes. */
export function syncStream(ctx: ScenarioContext, actor: string, filter: unknown, where: string): Stream<SyncItem> {
  let since = ctx.positions.sync.get(actor);
  return {
    // A filter that may hide the sentinel's room or receipts leaves the wait to its deadline.
    ...(!filterMayHideSentinel(filter) && canPostSentinel(ctx, actor) ? { sentinel: () => syncSentinel(ctx, actor) } : {}),
    async next(deadline) {
      if (since === undefined) {
        await markPosition(ctx, actor);
        since = ctx.positions.sync.get(actor);
      }
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) return undefined;
      const sync = await syncOnce(ctx, actor, { since, filter, timeoutMs: Math.min(ctx.settings.pollMs, remaining), where });
      since = sync.next_batch as string;
      return sync;
    },
    label: (_item, n, tms) => `response #${n} (t=${tms} ms)`,
    close() {
      if (since !== undefined) ctx.positions.sync.set(actor, since);
    },
  };
}
