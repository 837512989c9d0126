// Read-only views into a /sync response. Pure functions over untrusted JSON, so that the checks
// built on them can be unit-tested on recorded responses.
import { asArray, asObject, dig, type JsonObject } from './json.ts';

const SECTIONS = ['join', 'leave', 'invite', 'knock'] as const;
type Section = (typeof SECTIONS)[number];

export function roomSection(sync: unknown, roomId: string): { section: Section; room: JsonObject } | null {
  for (const section of SECTIONS) {
    const room = asObject(dig(sync, 'rooms', section, roomId));
    if (room) return { section, room };
  }
  return null;
}

/** Ephemeral events of the room, wherever the server put the room. */
export function ephemeralEvents(sync: unknown, roomId: string): unknown[] {
  return asArray(dig(roomSection(sync, roomId)?.room, 'ephemeral', 'events'));
}

export function receiptEvents(sync: unknown, roomId: string): JsonObject[] {
  return ephemeralEvents(sync, roomId)
    .map(asObject)
    .filter((e): e is JsonObject => e?.type === 'm.receipt');
}

export function timelineEventIds(sync: unknown, roomId: string): string[] {
  return asArray(dig(roomSection(sync, roomId)?.room, 'timeline', 'events'))
    .map((e) => asObject(e)?.event_id)
    .filter((x): x is string => typeof x === 'string');
}

/** The room's timeline in this response skipped events (limited: true). */
export function timelineLimited(sync: unknown, roomId: string): boolean {
  return asObject(dig(roomSection(sync, roomId)?.room, 'timeline'))?.limited === true;
}

export function roomAccountData(sync: unknown, roomId: string): JsonObject[] {
  return asArray(dig(roomSection(sync, roomId)?.room, 'account_data', 'events'))
    .map(asObject)
    .filter((e): e is JsonObject => e !== undefined);
}

export interface Counts {
  notification_count?: unknown;
  highlight_count?: unknown;
}

export function unreadCounts(sync: unknown, roomId: string): { main: Counts; threads: Record<string, Counts> | undefined } | null {
  const room = asObject(dig(sync, 'rooms', 'join', roomId));
  const main = asObject(room?.unread_notifications);
  if (!room || !main) return null;
  const threads = asObject(room.unread_thread_notifications) as Record<string, Counts> | undefined;
  return { main, threads };
}

export function threadCounts(sync: unknown, roomId: string): JsonObject | undefined {
  return asObject(dig(sync, 'rooms', 'join', roomId, 'unread_thread_notifications'));
}

