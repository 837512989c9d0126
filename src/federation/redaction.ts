// The redaction algorithm of room versions 1–12 (spec: "Room Versions", the redaction fragments of v1, v6,
// v8, v9 and v11). Signatures and reference hashes (hence event IDs, and v12 room IDs) cover the redacted
// form, so a wrong table here shows up as a refused join or a foreign event that fails to verify.

import { roomVersionRules, type RedactionRules } from './room-versions.ts';

type Json = Record<string, unknown>;

const TOP_LEVEL_KEYS_V1: readonly string[] = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
];
/** v11 no longer keeps `origin`, `membership` and `prev_state`. */
const TOP_LEVEL_KEYS_V11: readonly string[] = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'auth_events', 'origin_server_ts',
];

const POWER_LEVEL_KEYS_V1: readonly string[] = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];
const POWER_LEVEL_KEYS_V11: readonly string[] = [...POWER_LEVEL_KEYS_V1, 'invite'];

function pick(obj: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(obj, k)) out[k] = obj[k];
  return out;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Rank of an algorithm, so that "from v9 on" reads as `at(r, 'v9')`. */
const ORDER: readonly RedactionRules[] = ['v1', 'v6', 'v8', 'v9', 'v11'];
const at = (r: RedactionRules, since: RedactionRules): boolean => ORDER.indexOf(r) >= ORDER.indexOf(since);

function memberContent(content: Json, r: RedactionRules): Json {
  const kept = pick(content, at(r, 'v9') ? ['membership', 'join_authorised_via_users_server'] : ['membership']);
  const tpi = content.third_party_invite;
  if (at(r, 'v11') && isObject(tpi) && 'signed' in tpi) kept.third_party_invite = { signed: tpi.signed };
  return kept;
}

/** The content keys an event of `type` keeps under the rules `r`. */
function redactContent(type: unknown, content: Json, r: RedactionRules): Json {
  switch (type) {
    case 'm.room.member':
      return memberContent(content, r);
    case 'm.room.create':
      return at(r, 'v11') ? { ...content } : pick(content, ['creator']);
    case 'm.room.join_rules':
      return pick(content, at(r, 'v8') ? ['join_rule', 'allow'] : ['join_rule']);
    case 'm.room.power_levels':
      return pick(content, at(r, 'v11') ? POWER_LEVEL_KEYS_V11 : POWER_LEVEL_KEYS_V1);
    case 'm.room.history_visibility':
      return pick(content, ['history_visibility']);
    case 'm.room.aliases':
      return at(r, 'v6') ? {} : pick(content, ['aliases']);
    case 'm.room.redaction':
      return at(r, 'v11') ? pick(content, ['redacts']) : {};
    default:
      return {};
  }
}

/**
 * The redaction algorithm of the room version: a new object with only the protected top-level keys and the
 * protected content keys for the event's type. Throws for unknown room versions.
 */
export function redactEvent(event: object, roomVersion: string): Json {
  const r = roomVersionRules(roomVersion).redaction;
  const ev = event as Json;
  const out = pick(ev, at(r, 'v11') ? TOP_LEVEL_KEYS_V11 : TOP_LEVEL_KEYS_V1);
  out.content = redactContent(ev.type, isObject(ev.content) ? ev.content : {}, r);
  return out;
}
