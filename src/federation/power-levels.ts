// Reading a room's power levels the way its room version says (spec: "Room Versions", the v1 fragment
// "m.room.power_levels events accept values as strings", v10's integers-only rule and v12's creators).
// The fake never writes power levels; it reads them to know whether an event it builds can pass auth.

import { roomVersionRules } from './room-versions.ts';

type Json = Record<string, unknown>;

/** v1–v9: a base-10 integer, optionally signed, with surrounding whitespace and leading zeroes. */
const STRING_LEVEL_RE = /^\s*[+-]?\d+\s*$/;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * One power-level value as the room version reads it, or undefined when it is not a valid level (the
 * caller then falls back to the default). Integers always; strings holding an integer only in v1–v9.
 */
export function parsePowerLevel(value: unknown, roomVersion: string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !roomVersionRules(roomVersion).stringPowerLevels) return undefined;
  if (!STRING_LEVEL_RE.test(value)) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

function level(content: Json | undefined, key: string, fallback: number, roomVersion: string): number {
  return parsePowerLevel(content?.[key], roomVersion) ?? fallback;
}

/** The users a v12 create event makes creators: its sender and `additional_creators`. */
export function roomCreators(createEvent: { sender?: unknown; content?: unknown } | undefined): string[] {
  if (!createEvent || typeof createEvent.sender !== 'string') return [];
  const extra = isObject(createEvent.content) && Array.isArray(createEvent.content.additional_creators) ? createEvent.content.additional_creators : [];
  return [createEvent.sender, ...extra.filter((u): u is string => typeof u === 'string')];
}

/** v1–v10 name the creator in `content.creator`; v11 dropped it in favour of the sender. */
function legacyCreator(createEvent: { sender?: unknown; content?: unknown } | undefined, roomVersion: string): string | undefined {
  if (!createEvent) return undefined;
  const fromContent = isObject(createEvent.content) ? createEvent.content.creator : undefined;
  const creator = roomVersionRules(roomVersion).createNeedsCreator ? fromContent : createEvent.sender;
  return typeof creator === 'string' ? creator : undefined;
}

export interface RoomPowerInput {
  roomVersion: string;
  /** The room's `m.room.create` event. */
  createEvent?: { sender?: unknown; content?: unknown };
  /** The content of the room's current `m.room.power_levels`, when there is one. */
  powerLevels?: Json;
}

/**
 * A user's power level. v12 creators have infinite power (Infinity). Without a power-levels event the
 * creator has 100 and everyone else 0.
 */
export function userPowerLevel(room: RoomPowerInput, userId: string): number {
  const rules = roomVersionRules(room.roomVersion);
  if (rules.creatorsHaveInfinitePower && roomCreators(room.createEvent).includes(userId)) return Infinity;
  if (!room.powerLevels) {
    if (rules.creatorsHaveInfinitePower) return 0;
    return legacyCreator(room.createEvent, room.roomVersion) === userId ? 100 : 0;
  }
  const users = isObject(room.powerLevels.users) ? room.powerLevels.users : {};
  const own = Object.prototype.hasOwnProperty.call(users, userId) ? parsePowerLevel(users[userId], room.roomVersion) : undefined;
  return own ?? level(room.powerLevels, 'users_default', 0, room.roomVersion);
}

/** The level needed to send an event of `type` (a state event when `isState`). */
export function requiredPowerLevel(room: RoomPowerInput, type: string, isState: boolean): number {
  const pl = room.powerLevels;
  const events = isObject(pl?.events) ? pl.events : {};
  const specific = Object.prototype.hasOwnProperty.call(events, type) ? parsePowerLevel(events[type], room.roomVersion) : undefined;
  if (specific !== undefined) return specific;
  if (isState) return level(pl, 'state_default', pl ? 50 : 0, room.roomVersion);
  return level(pl, 'events_default', 0, room.roomVersion);
}
