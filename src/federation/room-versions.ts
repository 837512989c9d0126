// What changes between room versions, as far as a server that joins rooms, signs and checks events cares.
// Spec: "Room Versions" (content/rooms/v1…v12 and their fragments). v6–v11 share one event format and differ
// in redaction and power-level parsing; v12 (MSC4291/4289/4297/4307) changes how room IDs are made.

/** Every room version whose hashing and redaction rules this module knows (for signing and checking). */
export type RoomVersion = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10' | '11' | '12';

/**
 * Room versions the fake server fully implements (join, send, receive), offered in make_join's `ver=`.
 * v1–v5 are left out: different event IDs (v1–v3), key validity (v5) and aliases rules we never exercise.
 */
export const SUPPORTED_ROOM_VERSIONS: readonly RoomVersion[] = ['6', '7', '8', '9', '10', '11', '12'];

/** The redaction algorithm, named after the version that introduced it. */
export type RedactionRules = 'v1' | 'v6' | 'v8' | 'v9' | 'v11';

export interface RoomVersionRules {
  readonly version: RoomVersion;
  readonly redaction: RedactionRules;
  /** v1–v2: servers pick `event_id`; v3: `$` + standard base64 reference hash; v4+: URL-safe. */
  readonly eventIds: 'chosen' | 'hash-base64' | 'hash-base64url';
  /** v12: the room ID is `!` + the create event's reference hash; the create event has no `room_id`. */
  readonly roomIdFromCreateEvent: boolean;
  /** v12: the create event is never cited in `auth_events`. */
  readonly createEventInAuthEvents: boolean;
  /** v1–v9 accept power levels given as strings holding an integer; v10+ only integers. */
  readonly stringPowerLevels: boolean;
  /** v12: the create event's sender and `additional_creators` have infinite power. */
  readonly creatorsHaveInfinitePower: boolean;
  /** v11+: a redaction's target is `content.redacts`, not a top-level `redacts`. */
  readonly redactsInContent: boolean;
  /** v1–v10: `m.room.create` content must carry `creator`. */
  readonly createNeedsCreator: boolean;
}

const VERSION_RE = /^(?:[1-9]|1[0-2])$/;

export function isKnownRoomVersion(v: unknown): v is RoomVersion {
  return typeof v === 'string' && VERSION_RE.test(v);
}

export function isSupportedRoomVersion(v: unknown): v is RoomVersion {
  return typeof v === 'string' && (SUPPORTED_ROOM_VERSIONS as readonly string[]).includes(v);
}

function redactionFor(n: number): RedactionRules {
  if (n >= 11) return 'v11';
  if (n >= 9) return 'v9';
  if (n === 8) return 'v8';
  return n >= 6 ? 'v6' : 'v1';
}

function eventIdsFor(n: number): RoomVersionRules['eventIds'] {
  if (n <= 2) return 'chosen';
  return n === 3 ? 'hash-base64' : 'hash-base64url';
}

function build(version: RoomVersion): RoomVersionRules {
  const n = Number(version);
  return Object.freeze({
    version,
    redaction: redactionFor(n),
    eventIds: eventIdsFor(n),
    roomIdFromCreateEvent: n >= 12,
    createEventInAuthEvents: n < 12,
    stringPowerLevels: n <= 9,
    creatorsHaveInfinitePower: n >= 12,
    redactsInContent: n >= 11,
    createNeedsCreator: n <= 10,
  });
}

const RULES = new Map<string, RoomVersionRules>();
for (let n = 1; n <= 12; n++) RULES.set(String(n), build(String(n) as RoomVersion));

/** The rules of a known room version; throws for anything else (unstable or future versions). */
export function roomVersionRules(roomVersion: string): RoomVersionRules {
  const rules = RULES.get(roomVersion);
  if (!rules) throw new Error(`unknown room version ${JSON.stringify(roomVersion)} (this harness knows 1-12)`);
  return rules;
}
