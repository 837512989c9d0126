// Joining a room the target hosts: make_join (offering every version we implement), building and signing
// the join from the template, send_join v2, then tracking the room's state. Spec: "Server-Server API →
// Joining Rooms"; the template quirks of Synapse and Dendrite are why every signed field is recomputed.

import { computeEventId, finaliseEvent, roomIdFromCreateEvent, type Pdu } from './events.ts';
import { isIncompatibleRoomVersion, JoinError, UnsupportedRoomVersionError, type ServerAnswer } from './errors.ts';
import type { SigningKey } from './keys.ts';
import { newRoom, type TrackedRoom } from './room-state.ts';
import { roomVersionRules } from './room-versions.ts';
import type { FederationStore } from './store.ts';

export interface JoinDeps {
  serverName: string;
  signingKey: SigningKey;
  store: FederationStore;
  log: (line: string) => void;
  /** An X-Matrix-signed request to the target. */
  request: (method: string, path: string, body?: unknown) => Promise<ServerAnswer>;
}

export interface JoinResult {
  eventId: string;
  roomVersion: string;
}

const enc = encodeURIComponent;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function ask(deps: JoinDeps, step: JoinError['step'], roomId: string, userId: string, method: string, path: string, body?: unknown): Promise<ServerAnswer> {
  try {
    return await deps.request(method, path, body);
  } catch (e) {
    throw new JoinError(step, roomId, userId, `the request did not complete (${(e as Error).message})`);
  }
}

async function makeJoin(deps: JoinDeps, roomId: string, userId: string, versions: readonly string[]): Promise<{ template: Record<string, unknown>; roomVersion: string }> {
  const query = versions.map((v) => `ver=${enc(v)}`).join('&');
  const answer = await ask(deps, 'make_join', roomId, userId, 'GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}?${query}`);
  if (isIncompatibleRoomVersion(answer)) {
    const named = (answer.body as { room_version?: unknown }).room_version;
    throw new UnsupportedRoomVersionError(roomId, typeof named === 'string' ? named : undefined, versions, answer);
  }
  if (answer.status !== 200 || !isObject(answer.body) || !isObject(answer.body.event)) {
    throw new JoinError('make_join', roomId, userId, 'no join template', answer);
  }
  // A missing room_version means version 1 (spec: make_join response).
  const roomVersion = String(answer.body.room_version ?? '1');
  if (!versions.includes(roomVersion)) throw new UnsupportedRoomVersionError(roomId, roomVersion, versions, answer);
  return { template: answer.body.event, roomVersion };
}

/** The join event from a template: every signed field recomputed, `origin` and `origin_server_ts` ours. */
function buildJoinEvent(deps: JoinDeps, roomId: string, userId: string, template: Record<string, unknown>, roomVersion: string): { event: Pdu; eventId: string } {
  const content = template.content as { membership?: unknown } | undefined;
  if (template.room_id !== roomId || template.type !== 'm.room.member' || template.sender !== userId || template.state_key !== userId || content?.membership !== 'join') {
    throw new JoinError('make_join', roomId, userId, `the template is not a join of ${userId} to ${roomId}: ${JSON.stringify(template).slice(0, 300)}`);
  }
  const base: Record<string, unknown> = { ...template, origin: deps.serverName, origin_server_ts: Date.now() };
  delete base.unsigned;
  return finaliseEvent(base, roomVersion, { serverName: deps.serverName, key: deps.signingKey });
}

/** v12: the room ID must be the hash of the create event the target gave us (Complement checks the same). */
function checkRoomId(room: TrackedRoom, state: unknown[], userId: string): void {
  if (!roomVersionRules(room.roomVersion).roomIdFromCreateEvent) return;
  const create = state.find((ev): ev is Pdu => isObject(ev) && ev.type === 'm.room.create' && ev.state_key === '');
  if (!create) throw new JoinError('send_join', room.roomId, userId, 'the answer has no m.room.create in its state');
  const derived = roomIdFromCreateEvent(create, room.roomVersion);
  if (derived !== room.roomId) throw new JoinError('send_join', room.roomId, userId, `the create event hashes to room ${derived}, not ${room.roomId}`);
}

function trackRoom(deps: JoinDeps, roomId: string, roomVersion: string, body: Record<string, unknown>, userId: string): TrackedRoom {
  const room = newRoom(roomId, roomVersion);
  const state = Array.isArray(body.state) ? (body.state as unknown[]) : [];
  const authChain = Array.isArray(body.auth_chain) ? (body.auth_chain as unknown[]) : [];
  checkRoomId(room, state, userId);
  for (const ev of authChain) if (isObject(ev)) deps.store.rememberEvent(room, ev as Pdu, {});
  for (const ev of state) if (isObject(ev)) deps.store.rememberEvent(room, ev as Pdu, { asState: true });
  deps.store.rooms.set(roomId, room);
  return room;
}

/**
 * Join `roomId` (hosted by the target) as `userId`. Throws {@link UnsupportedRoomVersionError} when the room's
 * version is not among `versions`, and {@link JoinError} for any other failure.
 */
export async function joinRoom(deps: JoinDeps, roomId: string, userId: string, versions: readonly string[]): Promise<JoinResult> {
  const { template, roomVersion } = await makeJoin(deps, roomId, userId, versions);
  const { event, eventId } = buildJoinEvent(deps, roomId, userId, template, roomVersion);
  const sj = await ask(deps, 'send_join', roomId, userId, 'PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(eventId)}`, event);
  if (sj.status !== 200 || !isObject(sj.body)) throw new JoinError('send_join', roomId, userId, 'the join was not accepted', sj);
  const room = trackRoom(deps, roomId, roomVersion, sj.body, userId);
  // The resident server may return the join with its own signature added (restricted rooms).
  const returned = sj.body.event;
  const joined = isObject(returned) && computeEventId(returned, roomVersion) === eventId ? (returned as Pdu) : event;
  deps.store.rememberEvent(room, joined, { asState: true });
  room.tips = new Set([eventId]);
  deps.log(`joined ${roomId} (v${roomVersion}) as ${userId}: ${eventId}; ${room.state.size} state events`);
  return { eventId, roomVersion };
}
