// PDUs for room versions 3–12 (the fake joins rooms of v6–v12): content hash, reference hash / event ID,
// v12 room IDs, signing and building. Spec: "Room Versions" and "Server-Server API → Signing Events".
// The redaction tables live in redaction.ts, the per-version switches in room-versions.ts.

import { createHash, type KeyObject } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.ts';
import { encodeBase64, encodeBase64Url, signJson, verifyJson, type Signatures, type SigningKey } from './keys.ts';
import { redactEvent } from './redaction.ts';
import { roomVersionRules } from './room-versions.ts';

export { redactEvent } from './redaction.ts';
export { isKnownRoomVersion, isSupportedRoomVersion, roomVersionRules, SUPPORTED_ROOM_VERSIONS, type RoomVersion } from './room-versions.ts';

/** A PDU as sent over federation (room v3+: no `event_id` field; a v12 create event has no `room_id`). */
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
  const rules = roomVersionRules(roomVersion);
  if (rules.eventIds === 'chosen') {
    const id = (event as Json).event_id;
    if (typeof id !== 'string') throw new Error(`room version ${roomVersion} events carry their own event_id`);
    return id;
  }
  const hash = computeReferenceHash(event, roomVersion);
  return `$${rules.eventIds === 'hash-base64' ? encodeBase64(hash) : encodeBase64Url(hash)}`;
}

/** v12: a room's ID is its create event's ID with `!` for `$` (MSC4291). */
export function roomIdFromCreateEventId(createEventId: string): string {
  if (!/^\$[A-Za-z0-9_-]{43}$/.test(createEventId)) throw new Error(`${createEventId} is not a v4+ event ID`);
  return `!${createEventId.slice(1)}`;
}

/** v12: the room ID a create event makes (the event must carry its final hashes). */
export function roomIdFromCreateEvent(createEvent: object, roomVersion: string): string {
  if (!roomVersionRules(roomVersion).roomIdFromCreateEvent) throw new Error(`room version ${roomVersion} room IDs are not derived from the create event`);
  return roomIdFromCreateEventId(computeEventId(createEvent, roomVersion));
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
  /** Left out of a v12 create event, which has no `room_id`. */
  roomId: string | undefined;
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
    sender: opts.sender,
    type: opts.type,
  };
  if (opts.roomId !== undefined) ev.room_id = opts.roomId;
  if (opts.stateKey !== undefined) ev.state_key = opts.stateKey;
  if (opts.origin !== undefined) ev.origin = opts.origin;
  if (opts.redacts !== undefined) {
    // v11 moved `redacts` into content; keep both shapes valid for their versions.
    if (roomVersionRules(opts.roomVersion).redactsInContent) ev.content = { ...opts.content, redacts: opts.redacts };
    else ev.redacts = opts.redacts;
  }
  if (opts.unsigned !== undefined) ev.unsigned = opts.unsigned;
  return finaliseEvent(ev, opts.roomVersion, signer);
}
