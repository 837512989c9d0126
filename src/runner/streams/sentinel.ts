// The sentinel every stream uses to prove that something is not coming: the actor's own m.read on
// a fresh event, in a room only it is in (made once per scenario and actor). A server sends one
// user's receipts through one ordered stream (to /sync, to sliding sync, to an application
// service): once the sentinel arrives, an earlier receipt that has not is not coming.
import { enc } from '../../client/matrix.ts';
import { HarnessError, type ScenarioContext } from '../context.ts';
import { asObject } from '../json.ts';
import { requireOk } from '../response.ts';

/** An event type no push rule matches: the sentinel room's events never notify anyone. */
export const SENTINEL_EVENT = 'org.matrix.receipts_conformance.sentinel';

export interface PostedSentinel {
  roomId: string;
  eventId: string;
  userId: string;
}

/**
 * Whether the actor can post a sentinel at all. A guest cannot: the guest access module lets it
 * neither create a room nor post a receipt, so its waits are settled by their deadline alone.
 */
export function canPostSentinel(ctx: ScenarioContext, actor: string): boolean {
  return !ctx.scenario.guests.includes(actor);
}

/** The actor's sentinel room, made on first use. */
export async function sentinelRoom(ctx: ScenarioContext, actor: string): Promise<string> {
  const known = ctx.sentinelRooms.get(actor);
  if (known) return known;
  const res = await ctx.actor(actor).createRoom({ preset: 'private_chat', name: `${ctx.settings.runPrefix} ${ctx.scenario.id} sentinel of ${actor}` });
  requireOk(res, `creating ${actor}'s sentinel room`);
  const id = asObject(res.json)?.room_id;
  if (typeof id !== 'string') throw new HarnessError(`creating ${actor}'s sentinel room: no room_id`, res.record);
  ctx.sentinelRooms.set(actor, id);
  return id;
}

/** Sends a fresh event in the actor's sentinel room and posts the actor's m.read on it. */
export async function postSentinel(ctx: ScenarioContext, actor: string): Promise<PostedSentinel> {
  const user = ctx.actor(actor);
  const roomId = await sentinelRoom(ctx, actor);
  const sent = await user.sendEvent(roomId, SENTINEL_EVENT, {}, ctx.txnId());
  requireOk(sent, `sending ${actor}'s sentinel event`);
  const eventId = asObject(sent.json)?.event_id;
  if (typeof eventId !== 'string') throw new HarnessError(`sending ${actor}'s sentinel event: no event_id`, sent.record);
  requireOk(await user.call('POST', `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, { json: {} }), `posting ${actor}'s sentinel receipt`);
  return { roomId, eventId, userId: user.userId };
}
