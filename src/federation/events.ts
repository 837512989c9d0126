// PDUs for room versions 3–11 (in practice 10 and 11): redaction, content hash, reference hash / event ID,
// signing and building. Spec: "Room Versions" (v1 redaction rules and their changes in v3…v11) and
// "Server-Server API → Signing Events".

import { createHash, type KeyObject } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.ts';
import { encodeBase64, encodeBase64Url, signJson, verifyJson, type Signatures, type SigningKey } from './keys.ts';

export type RoomVersion = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10' | '11';

/** Room versions whose event format this module builds (v3+ event IDs are reference hashes). */
export const SUPPORTED_ROOM_VERSIONS: readonly RoomVersion[] = ['10', '11'];

export function isKnownRoomVersion(v: unknown): v is RoomVersion {
  return typeof v === 'string' && /^(?:[1-9]|10|11)$/.test(v);
}

function versionNumber(roomVersion: string): number {
  if (!isKnownRoomVersion(roomVersion)) {
    throw new Error(`unsupported room version ${JSON.stringify(roomVersion)} (this harness knows 1-11; v12 changes room IDs)`);
  }
  return Number(roomVersion);
}

/** A PDU as sent over federation (room v3+: no `event_id` field). */
export interface Pdu {
  auth_events: string[];
  content: Record<string, unknown>;
  depth: number;
  hashes: { sha256: string };
  origin_server_ts: number;
  prev_events: string[];
  room_id: string;
  sender: string;
  signatures: Signatures;
  type: string;
  state_key?: string;
  unsigned?: Record<string, unknown>;
  origin?: string;
  redacts?: string;
  [key: string]: unknown;
}

type Json = Record<string, unknown>;

function pick(obj: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(obj, k)) out[k] = obj[k];
  return out;
}

const TOP_LEVEL_KEYS_V1: readonly string[] = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
];
/** v11 no longer keeps `origin`, `membership` and `prev_state`. */
const TOP_LEVEL_KEYS_V11: readonly string[] = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'auth_events', 'origin_server_ts',
];

/**
 * The redaction algorithm of room versions 1–11: returns a new object with only the protected top-level keys
 * and the protected content keys for the event's type.
 */
export function redactEvent(event: object, roomVersion: string): Json {
  const v = versionNumber(roomVersion);
  const ev = event as Json;
  const out = pick(ev, v >= 11 ? TOP_LEVEL_KEYS_V11 : TOP_LEVEL_KEYS_V1);
  const content: Json = ev.content !== null && typeof ev.content === 'object' && !Array.isArray(ev.content) ? (ev.content as Json) : {};
  let kept: Json = {};
  switch (ev.type) {
    case 'm.room.member': {
      kept = pick(content, v >= 9 ? ['membership', 'join_authorised_via_users_server'] : ['membership']);
      if (v >= 11) {
        const tpi = content.third_party_invite;
        if (tpi !== null && typeof tpi === 'object' && !Array.isArray(tpi) && 'signed' in tpi) {
          kept.third_party_invite = { signed: (tpi as Json).signed };
        }
      }
      break;
    }
    case 'm.room.create':
      kept = v >= 11 ? { ...content } : pick(content, ['creator']);
      break;
    case 'm.room.join_rules':
      kept = pick(content, v >= 8 ? ['join_rule', 'allow'] : ['join_rule']);
      break;
    case 'm.room.power_levels':
      kept = pick(
        content,
        v >= 11
          ? ['ban', 'events', 'events_default', 'invite', 'kick', 'redact', 'state_default', 'users', 'users_default']
          : ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'],
      );
      break;
    case 'm.room.history_visibility':
      kept = pick(content, ['history_visibility']);
      break;
    case 'm.room.aliases':
      if (v <= 5) kept = pick(content, ['aliases']);
      break;
    case 'm.room.redaction':
      if (v >= 11) kept = pick(content, ['redacts']);
      break;
    default:
      break;
  }
  out.content = kept;
  return out;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** sha256 over the canonical event without `unsigned`, `signatures` and `hashes`, as unpadded base64. */
export function computeContentHash(event: object): string {
  const copy: Json = { ...(event as Json) };
  delete copy.unsigned;
  delete copy.signatures;
  delete copy.hashes;
  return encodeBase64(sha256(canonicalJsonBytes(copy)));
}

/** True when `event.hashes.sha256` matches the content. */
export function checkContentHash(event: object): boolean {
  const hashes = (event as Json).hashes as { sha256?: unknown } | undefined;
  return typeof hashes?.sha256 === 'string' && hashes.sha256 === computeContentHash(event);
}

/** The reference hash: sha256 over the redacted event without `signatures` and `unsigned`. */
export function computeReferenceHash(event: object, roomVersion: string): Buffer {
  const redacted = redactEvent(event, roomVersion);
  delete redacted.signatures;
  delete redacted.unsigned;
  return sha256(canonicalJsonBytes(redacted));
}

/** Event ID for room v3+: `$` + reference hash, standard base64 in v3 and URL-safe base64 from v4 on. */
export function computeEventId(event: object, roomVersion: string): string {
  const v = versionNumber(roomVersion);
  if (v < 3) {
    const id = (event as Json).event_id;
    if (typeof id !== 'string') throw new Error(`room version ${roomVersion} events carry their own event_id`);
    return id;
  }
  const hash = computeReferenceHash(event, roomVersion);
  return `$${v === 3 ? encodeBase64(hash) : encodeBase64Url(hash)}`;
}

/**
 * Sign an event (its redacted form) and return a copy of the full event with the signature added.
 * `hashes` must already be set, since the redacted form keeps them.
 */
export function signEvent<T extends object>(event: T, roomVersion: string, serverName: string, keyId: string, key: KeyObject | SigningKey): T & { signatures: Signatures } {
  const signedRedacted = signJson(redactEvent(event, roomVersion), serverName, keyId, key);
  const sig = signedRedacted.signatures[serverName]![keyId]!;
  const existing = ((event as Json).signatures ?? {}) as Signatures;
  return { ...event, signatures: { ...existing, [serverName]: { ...(existing[serverName] ?? {}), [keyId]: sig } } };
}

/** Check one server's signature on an event. */
export function verifyEventSignature(event: object, roomVersion: string, serverName: string, keyId: string, publicKey: KeyObject | Uint8Array | string): boolean {
  return verifyJson(redactEvent(event, roomVersion), serverName, keyId, publicKey);
}

/**
 * Finish an event (template): drop stale `hashes`/`signatures`, add the content hash, sign, compute the ID.
 */
export function finaliseEvent(
  event: Json,
  roomVersion: string,
  signer: { serverName: string; key: SigningKey },
): { event: Pdu; eventId: string } {
  const base: Json = { ...event };
  delete base.hashes;
  delete base.signatures;
  delete base.event_id;
  base.hashes = { sha256: computeContentHash(base) };
  const signed = signEvent(base, roomVersion, signer.serverName, signer.key.keyId, signer.key) as unknown as Pdu;
  return { event: signed, eventId: computeEventId(signed, roomVersion) };
}

export interface BuildPduOptions {
  roomVersion: string;
  roomId: string;
  sender: string;
  type: string;
  content: Record<string, unknown>;
  stateKey?: string;
  prevEvents: string[];
  authEvents: string[];
  depth: number;
  originServerTs?: number;
  /** Top-level `origin`; harmless in v11 (redacted away) but kept for v10 compatibility with older servers. */
  origin?: string;
  redacts?: string;
  unsigned?: Record<string, unknown>;
}

/** Build, hash and sign a PDU; returns it with its event ID. */
export function buildPdu(opts: BuildPduOptions, signer: { serverName: string; key: SigningKey }): { event: Pdu; eventId: string } {
  const ev: Json = {
    auth_events: opts.authEvents,
    content: opts.content,
    depth: opts.depth,
    origin_server_ts: opts.originServerTs ?? Date.now(),
    prev_events: opts.prevEvents,
    room_id: opts.roomId,
    sender: opts.sender,
    type: opts.type,
  };
  if (opts.stateKey !== undefined) ev.state_key = opts.stateKey;
  if (opts.origin !== undefined) ev.origin = opts.origin;
  if (opts.redacts !== undefined) {
    // v11 moved `redacts` into content; keep both shapes valid for their versions.
    if (versionNumber(opts.roomVersion) >= 11) ev.content = { ...opts.content, redacts: opts.redacts };
    else ev.redacts = opts.redacts;
  }
  if (opts.unsigned !== undefined) ev.unsigned = opts.unsigned;
  return finaliseEvent(ev, opts.roomVersion, signer);
}
