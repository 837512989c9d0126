// The fake's view of a room it joined: its version, current state and forward extremities, and the
// auth-event selection of the spec ("Server-Server API → Auth events selection"), which v12 changes by
// never citing the create event.

import { roomVersionRules } from './room-versions.ts';
import type { Pdu } from './events.ts';

export interface TrackedRoom {
  roomId: string;
  roomVersion: string;
  /** `${type}\0${state_key}` → event ID. */
  state: Map<string, string>;
  events: Map<string, Pdu>;
  /** Forward extremities. */
  tips: Set<string>;
}

export const stateKeyOf = (type: string, stateKey: string): string => `${type}\u0000${stateKey}`;

export function newRoom(roomId: string, roomVersion: string): TrackedRoom {
  return { roomId, roomVersion, state: new Map(), events: new Map(), tips: new Set() };
}

export interface AuthSelectionInput {
  type: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
}

/** The state keys whose current events an event must cite, in the spec's order. */
function authStateKeys(input: AuthSelectionInput, withCreate: boolean): string[] {
  const keys = withCreate ? [stateKeyOf('m.room.create', '')] : [];
  keys.push(stateKeyOf('m.room.power_levels', ''), stateKeyOf('m.room.member', input.sender));
  if (input.type !== 'm.room.member' || input.state_key === undefined) return keys;
  keys.push(stateKeyOf('m.room.member', input.state_key));
  const { membership, join_authorised_via_users_server: via } = input.content;
  if (membership === 'join' || membership === 'invite' || membership === 'knock') keys.push(stateKeyOf('m.room.join_rules', ''));
  if (membership === 'join' && typeof via === 'string') keys.push(stateKeyOf('m.room.member', via));
  return keys;
}

/** Event IDs for `auth_events` from the room's current state: no duplicates, no create event in v12. */
export function selectAuthEvents(room: TrackedRoom, input: AuthSelectionInput): string[] {
  const withCreate = roomVersionRules(room.roomVersion).createEventInAuthEvents;
  const ids = authStateKeys(input, withCreate)
    .map((k) => room.state.get(k))
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

/** The current state event of `type`/`stateKey`, if the room has one. */
export function currentState(room: TrackedRoom, type: string, stateKey = ''): Pdu | undefined {
  const id = room.state.get(stateKeyOf(type, stateKey));
  return id === undefined ? undefined : room.events.get(id);
}
