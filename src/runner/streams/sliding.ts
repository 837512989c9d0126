// The actor's simplified sliding sync (MSC4186) with the receipts extension (MSC3960) on, as a
// stream of responses: the first request of a connection has no pos and answers at once (the
// initial response); each later one long-polls from the pos the previous answer gave. Synapse
// serves the unstable path and keeps no request parameters between calls, so every request carries
// the whole body. A server without the endpoint (404, M_UNRECOGNIZED) makes the scenario
// unsupported, not an error: the extension is not in any spec release.
import { validator, ajvPath } from '../../scenario/schema.ts';
import { HarnessError, Unsupported, type ScenarioContext } from '../context.ts';
import { asObject, truncate } from '../json.ts';
import { slidingReceiptEvent, slidingReceipts } from '../checks/sliding-view.ts';
import { canPostSentinel, postSentinel } from './sentinel.ts';
import type { Stream } from '../wait.ts';
import type { SlidingItem } from './items.ts';

export const SLIDING_PATH = '/_matrix/client/unstable/org.matrix.simplified_msc3575/sync';
export const DEFAULT_TIMELINE_LIMIT = 10;
/** One list over every room by default: a scenario's actors are fresh users in a handful of rooms. */
export const DEFAULT_LIST_SIZE = 100;

/** How a connection asks: its list's window (the most recent rooms first) and timeline length. */
export interface ListShape {
  timelineLimit: number;
  listSize: number;
}

/** The request body: one list, the receipts extension over every list and room of the response. */
export function slidingBody(connId: string, shape: ListShape): object {
  return {
    conn_id: connId,
    lists: { rc: { ranges: [[0, shape.listSize - 1]], required_state: [], timeline_limit: shape.timelineLimit } },
    extensions: { receipts: { enabled: true, lists: ['*'], rooms: ['*'] } },
  };
}

/** Whether an answer says the endpoint does not exist (rather than that the request was wrong). */
export function endpointMissing(status: number, body: unknown): boolean {
  return status === 404 || status === 405 || asObject(body)?.errcode === 'M_UNRECOGNIZED';
}

interface Request {
  connId: string;
  pos?: string;
  timeoutMs: number;
  shape: ListShape;
  where: string;
}

export async function slidingOnce(ctx: ScenarioContext, actor: string, req: Request): Promise<SlidingItem> {
  const user = ctx.actor(actor);
  const res = await user.call('POST', SLIDING_PATH, {
    query: { pos: req.pos, timeout: String(req.timeoutMs) },
    json: slidingBody(req.connId, req.shape),
    timeoutMs: req.timeoutMs + 30_000,
  });
  const body = asObject(res.json);
  if (endpointMissing(res.status, body)) {
    throw new Unsupported(`${req.where}: the target does not serve simplified sliding sync (MSC4186): POST ${SLIDING_PATH} answered ${res.status}${typeof body?.errcode === 'string' ? ` ${body.errcode}` : ''}`);
  }
  if (res.status !== 200 || typeof body?.pos !== 'string') {
    throw new HarnessError(`${req.where}: sliding sync for ${actor} answered ${res.status} ${truncate(res.text, 200)}`, res.record);
  }
  validateResponse(ctx, body, req.where);
  return body;
}

/** The extension's m.receipt events must have the /sync event's shape, whatever the scenario asks. */
function validateResponse(ctx: ScenarioContext, item: SlidingItem, where: string): void {
  const receipt = validator('m.receipt');
  for (const roomId of ctx.rooms.values()) {
    const ev = slidingReceiptEvent(item, roomId);
    if (ev === undefined) continue;
    const ok = receipt(ev);
    ctx.auto('sliding m.receipt schema', { where, check: 'the receipts extension holds an m.receipt event per room, in the /sync shape', defaultRules: ['R-TENT-02'] }, ok ? undefined : { message: `the receipts extension's event for ${roomId} breaks the m.receipt event schema: ${ajvPath(receipt.errors)}`, actual: ev });
  }
}

/** Each scenario's open connections: actor and conn_id → the pos its last wait reached. */
const connections = new WeakMap<ScenarioContext, Map<string, string>>();
function positionsOf(ctx: ScenarioContext): Map<string, string> {
  let m = connections.get(ctx);
  if (!m) connections.set(ctx, (m = new Map()));
  return m;
}

/**
 * The actor's sentinel receipt, and how to recognise it. The extension sends a user's own receipts
 * on a room's first appearance and every receipt after the pos on later responses, all from one
 * receipt stream.
 */
async function slidingSentinel(ctx: ScenarioContext, actor: string): Promise<(item: SlidingItem) => boolean> {
  const s = await postSentinel(ctx, actor);
  return (item) => slidingReceipts(item, s.roomId).some((e) => e.userId === s.userId && e.eventIds.includes(s.eventId));
}

/**
 * The actor's connection (one per list shape, so that a changed shape never makes the server
 * resend a room as new), from where its previous wait ended.
 */
export function slidingStream(ctx: ScenarioContext, actor: string, shape: ListShape, where: string): Stream<SlidingItem> {
  const connId = `rc-tl${shape.timelineLimit}-n${shape.listSize}`;
  const key = `${actor} ${connId}`;
  const positions = positionsOf(ctx);
  let pos = positions.get(key);
  const opened = pos === undefined;
  return {
    // A new sentinel room tops the list: in a short list it would push the scenario's rooms out.
    ...(shape.listSize === DEFAULT_LIST_SIZE && canPostSentinel(ctx, actor) ? { sentinel: () => slidingSentinel(ctx, actor) } : {}),
    async next(deadline) {
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) return undefined;
      const timeoutMs = pos === undefined ? 0 : Math.min(ctx.settings.pollMs, remaining);
      const item = await slidingOnce(ctx, actor, { connId, pos, timeoutMs, shape, where });
      pos = item.pos as string;
      return item;
    },
    label: (_item, n, tms) => `sliding response #${n}${opened && n === 1 ? ' (initial, no pos)' : ''} (t=${tms} ms)`,
    close() {
      if (pos !== undefined) positions.set(key, pos);
    },
  };
}

let snapshots = 0;

/** One initial response on a connection of its own: what a client starting afresh is shown. */
export function slidingSnapshot(ctx: ScenarioContext, actor: string, shape: ListShape, where: string): Promise<SlidingItem> {
  return slidingOnce(ctx, actor, { connId: `rc-snapshot-${++snapshots}`, timeoutMs: 0, shape, where });
}
