// The suite's fake remote homeserver. It plays a remote server that joins rooms hosted by the homeserver
// under test, injects PDUs/EDUs through `PUT /send`, and records everything the homeserver sends to it.
//
// - Listens on HTTPS (one self-signed certificate per process) on `bindHost` (default 127.0.0.1), on a fresh
//   port per instance, with a fresh ed25519 key. Its server name is `<advertisedHost>:<port>`: a name with a
//   port, so homeservers skip .well-known/SRV, and every test is a new destination (no backoff or key cache
//   carried over).
// - Talks to the homeserver at `target.baseUrl` (whatever federation discovery found, or an override),
//   signing every request with X-Matrix for `target.serverName`.
// - Never answers 5xx (see inbound.ts).

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { buildPdu, computeEventId, SUPPORTED_ROOM_VERSIONS, type Pdu } from './events.ts';
import { directBaseUrl, parseServerName } from './discovery.ts';
import { requestJson } from './http.ts';
import { SendGate, type HoldOptions, type ReleaseSummary } from './hold.ts';
import { inboundHandler } from './inbound.ts';
import { joinRoom, type JoinResult } from './join.ts';
import { generateSigningKey, type SigningKey } from './keys.ts';
import { userPowerLevel } from './power-levels.ts';
import { currentState, selectAuthEvents, type TrackedRoom } from './room-state.ts';
import { FederationStore, type ReceivedEdu, type ReceivedPdu, type ReceivedRequest, type WaitOptions } from './store.ts';
import { getTlsMaterial } from './tls.ts';
import { buildXMatrixAuthorization, ServerKeyFetcher } from './xmatrix.ts';

/**
 * What a fake listening on loopback calls itself: `localhost:<port>`, not `127.0.0.1:<port>`. A
 * server name that is an IP literal in a blocked range is refused before any allow list is read
 * (Synapse: "Blocking access to 127.0.0.1"), while a name resolves and is then allowed.
 */
export const LOOPBACK_FAKE_NAME = 'localhost';

export { FAKE_SERVER_SOFTWARE } from './inbound.ts';
export { JoinError, UnsupportedRoomVersionError } from './errors.ts';
export type { JoinResult } from './join.ts';
export type { ReceivedEdu, ReceivedPdu, ReceivedRequest, WaitOptions } from './store.ts';

export interface FakeHomeserverTarget {
  /** The homeserver's server name, e.g. `hs.rc.test`. */
  serverName: string;
  /** Where its federation API is served, e.g. `http://127.0.0.1:8008` (what discovery returned). */
  baseUrl: string;
  /** The `Host` header its federation API expects, when it is not the base URL's host (SRV discovery). */
  hostHeader?: string;
}

export interface FakeHomeserverOptions {
  target: FakeHomeserverTarget;
  log?: (line: string) => void;
  /** Defaults to a fresh random key with a random key id. */
  signingKey?: SigningKey;
  /** Timeout for outgoing requests (default 30 s). */
  requestTimeoutMs?: number;
  /** Address to listen on (default 127.0.0.1). */
  bindHost?: string;
  /** Host part of the server name, the address the target uses to reach us (default: the bind host). */
  advertisedHost?: string;
}

export interface FederationResponse {
  status: number;
  body: unknown;
}

export interface CreateEventInput {
  type: string;
  sender: string;
  content: Record<string, unknown>;
  state_key?: string;
  /** Overrides for negative tests; by default they come from the tracked room. */
  prev_events?: string[];
  auth_events?: string[];
  depth?: number;
  origin_server_ts?: number;
}

/** `{edu_type: "m.receipt", content: {roomId: {receiptType: {userId: {event_ids, data}}}}}` for one receipt. */
export function buildReceiptEdu(
  roomId: string,
  userId: string,
  eventIds: string[],
  opts: { receiptType?: string; ts?: number; threadId?: string; data?: Record<string, unknown> } = {},
): { edu_type: string; content: Record<string, unknown> } {
  const data: Record<string, unknown> = { ts: opts.ts ?? Date.now(), ...(opts.data ?? {}) };
  if (opts.threadId !== undefined) data.thread_id = opts.threadId;
  return {
    edu_type: 'm.receipt',
    content: { [roomId]: { [opts.receiptType ?? 'm.read']: { [userId]: { event_ids: eventIds, data } } } },
  };
}

const enc = encodeURIComponent;
const MAX_PREV_EVENTS = 10;

/** A host as it appears in a server name or URL: IPv6 literals in brackets. */
function hostPart(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function listen(opts: FakeHomeserverOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<https.Server> {
  const tls = await getTlsMaterial();
  const server = https.createServer({ key: tls.key, cert: tls.cert }, handler);
  // A TLS handshake failure or a client reset must never take the process down.
  server.on('tlsClientError', (err) => opts.log?.(`TLS client error: ${err.message}`));
  server.on('clientError', (err, socket) => {
    opts.log?.(`client error: ${err.message}`);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.bindHost ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export class FakeHomeserver {
  readonly serverName: string;
  /** Where the fake is reached: `https://<advertisedHost>:<port>`. */
  readonly baseUrl: string;
  readonly port: number;
  readonly bindHost: string;
  readonly signingKey: SigningKey;
  readonly target: FakeHomeserverTarget;
  readonly received: { edus: ReceivedEdu[]; pdus: ReceivedPdu[]; requests: ReceivedRequest[] };

  /** Holds the answers to the target's PUT /send while the fake plays a slow remote. */
  readonly gate: SendGate;
  private readonly store: FederationStore;
  private readonly keyFetcher: ServerKeyFetcher;
  private readonly log: (line: string) => void;
  private readonly requestTimeoutMs: number;
  private readonly txnPrefix = `rc${randomBytes(4).toString('hex')}`;
  private txnCounter = 0;
  private stopped = false;

  private constructor(
    private readonly server: https.Server,
    opts: FakeHomeserverOptions,
    key: SigningKey,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.bindHost = opts.bindHost ?? '127.0.0.1';
    const advertised = hostPart(opts.advertisedHost ?? this.bindHost);
    this.serverName = `${advertised}:${this.port}`;
    this.baseUrl = `https://${advertised}:${this.port}`;
    this.signingKey = key;
    this.target = { ...opts.target, baseUrl: opts.target.baseUrl.replace(/\/+$/, '') };
    this.log = opts.log ?? (() => {});
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.store = new FederationStore(this.log);
    this.gate = new SendGate(this.log);
    this.received = { edus: this.store.edus.items, pdus: this.store.pdus.items, requests: this.store.requests.items };
    // The target at its discovered URL; anyone else (another fake) only on loopback or on our own host, so a
    // signed request naming some other origin never makes the fake connect elsewhere.
    this.keyFetcher = new ServerKeyFetcher((name) => (name === this.target.serverName ? this.target.baseUrl : this.peerBaseUrl(name, advertised)), this.log);
    this.keyFetcher.seed(this.serverName, new Map([[key.keyId, key.publicKey]]));
  }

  static async start(opts: FakeHomeserverOptions): Promise<FakeHomeserver> {
    const key = opts.signingKey ?? generateSigningKey();
    let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
    const server = await listen(opts, (req, res) => {
      if (handle) void handle(req, res);
      else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errcode":"M_UNRECOGNIZED","error":"starting"}');
    });
    const instance = new FakeHomeserver(server, opts, key);
    handle = inboundHandler({ serverName: instance.serverName, signingKey: key, keyFetcher: instance.keyFetcher, store: instance.store, log: instance.log, gate: instance.gate });
    instance.log(
      `fake homeserver ${instance.serverName} listening on ${hostPart(instance.bindHost)}:${instance.port} (key ${key.keyId}); ` +
        `target ${instance.target.serverName} at ${instance.target.baseUrl}`,
    );
    return instance;
  }

  private peerBaseUrl(name: string, ownHost: string): string | undefined {
    const host = parseServerName(name)?.host;
    const local = host !== undefined && (host === ownHost || host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host));
    return local ? directBaseUrl(name) : undefined;
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** The room's version and current state event IDs, if joined. */
  roomInfo(roomId: string): { roomVersion: string; state: Map<string, string>; tips: string[] } | undefined {
    const room = this.store.rooms.get(roomId);
    return room && { roomVersion: room.roomVersion, state: new Map(room.state), tips: [...room.tips] };
  }

  /** A known event (ours, from send_join, or received). */
  getEvent(eventId: string): Pdu | undefined {
    return this.store.events.get(eventId)?.event;
  }

  /** A user's power level in a joined room, read by the room version's rules (Infinity for v12 creators). */
  powerLevel(roomId: string, userId: string): number {
    const room = this.joinedRoom(roomId, 'powerLevel');
    const create = currentState(room, 'm.room.create');
    const pl = currentState(room, 'm.room.power_levels');
    return userPowerLevel({ roomVersion: room.roomVersion, ...(create ? { createEvent: create } : {}), ...(pl ? { powerLevels: pl.content } : {}) }, userId);
  }

  private joinedRoom(roomId: string, what: string): TrackedRoom {
    const room = this.store.rooms.get(roomId);
    if (!room) throw new Error(`${what}: ${this.serverName} has not joined ${roomId}`);
    return room;
  }

  // ---------------------------------------------------------------------------------------------- outgoing

  /** Send an X-Matrix-signed request to the target (or another destination). `path` is sent verbatim. */
  async federationRequest(
    method: string,
    path: string,
    body?: unknown,
    opts: { destination?: string; baseUrl?: string; timeoutMs?: number } = {},
  ): Promise<FederationResponse> {
    const destination = opts.destination ?? this.target.serverName;
    const baseUrl = opts.baseUrl ?? this.target.baseUrl;
    const auth = buildXMatrixAuthorization({ method, uri: path, origin: this.serverName, destination, content: body }, this.signingKey);
    const hostHeader: Record<string, string> = opts.baseUrl === undefined && this.target.hostHeader !== undefined ? { Host: this.target.hostHeader } : {};
    const started = Date.now();
    const res = await requestJson({
      method,
      baseUrl,
      path,
      headers: { Authorization: auth, ...hostHeader },
      ...(body === undefined ? {} : { body: canonicalJson(body) }),
      timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs,
    });
    this.log(`-> ${method} ${path} ${res.status} (${Date.now() - started} ms)`);
    return { status: res.status, body: res.body };
  }

  /**
   * Join `roomId` (hosted by the target) as `userId` via make_join (offering every room version the fake
   * implements, or `roomVersions`) and send_join, and start tracking its state and DAG tips.
   * Throws UnsupportedRoomVersionError when the room's version is not offered, JoinError otherwise.
   */
  joinRoom(roomId: string, userId: string, opts: { roomVersions?: readonly string[] } = {}): Promise<JoinResult> {
    const deps = {
      serverName: this.serverName,
      signingKey: this.signingKey,
      store: this.store,
      log: this.log,
      request: (method: string, path: string, body?: unknown) => this.federationRequest(method, path, body),
    };
    return joinRoom(deps, roomId, userId, opts.roomVersions ?? SUPPORTED_ROOM_VERSIONS);
  }

  /** Build and sign a PDU on the tracked DAG tips of a joined room. Tips only move once the PDU is accepted. */
  createEvent(roomId: string, input: CreateEventInput): { event: Pdu; eventId: string } {
    const room = this.joinedRoom(roomId, 'createEvent');
    const prevEvents = input.prev_events ?? [...room.tips].sort().slice(0, MAX_PREV_EVENTS);
    const built = buildPdu(
      {
        roomVersion: room.roomVersion,
        roomId,
        sender: input.sender,
        type: input.type,
        content: input.content,
        ...(input.state_key === undefined ? {} : { stateKey: input.state_key }),
        prevEvents,
        authEvents: input.auth_events ?? selectAuthEvents(room, input),
        depth: input.depth ?? this.store.nextDepth(prevEvents),
        originServerTs: input.origin_server_ts ?? Date.now(),
        // Signed in v6–v10, ignored from v11 on; Synapse 1.60 reads it as a plain property.
        origin: this.serverName,
      },
      { serverName: this.serverName, key: this.signingKey },
    );
    this.store.events.set(built.eventId, { event: built.event, roomVersion: room.roomVersion });
    return built;
  }

  /**
   * `PUT /_matrix/federation/v1/send/{txnId}` to the target. A unique txn ID is generated unless one is given
   * (so a repeated txn ID can be tested). PDUs the target accepts advance the tracked DAG tips.
   */
  async sendTransaction(opts: { pdus?: object[]; edus?: { edu_type: string; content: unknown }[]; txnId?: string; destination?: string; baseUrl?: string }): Promise<FederationResponse> {
    const txnId = opts.txnId ?? `${this.txnPrefix}_${++this.txnCounter}_${Date.now()}`;
    const pdus = opts.pdus ?? [];
    const body = { origin: this.serverName, origin_server_ts: Date.now(), pdus, edus: opts.edus ?? [] };
    const res = await this.federationRequest('PUT', `/_matrix/federation/v1/send/${enc(txnId)}`, body, {
      ...(opts.destination === undefined ? {} : { destination: opts.destination }),
      ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
    });
    if (res.status === 200 && isObject(res.body)) this.advanceAccepted(pdus, isObject(res.body.pdus) ? res.body.pdus : {});
    return res;
  }

  private advanceAccepted(pdus: object[], results: Record<string, unknown>): void {
    for (const pdu of pdus.filter(isObject)) {
      const room = typeof pdu.room_id === 'string' ? this.store.rooms.get(pdu.room_id) : undefined;
      if (!room) continue;
      let id: string;
      try {
        id = computeEventId(pdu, room.roomVersion);
      } catch {
        continue;
      }
      const result = results[id];
      if (isObject(result) && result.error !== undefined) {
        this.log(`target rejected ${id}: ${JSON.stringify(result.error)}`);
        continue;
      }
      this.store.rememberEvent(room, pdu as Pdu, { asState: typeof pdu.state_key === 'string', advanceTips: true });
    }
  }

  // ---------------------------------------------------------------------------------------------- slow remote

  /** Hold the answers to the target's transactions (see hold.ts): the target queues what follows. */
  holdTransactions(opts: HoldOptions): void {
    this.gate.hold(opts);
  }

  /** Answer every held transaction (200) and stop holding. */
  releaseTransactions(): ReleaseSummary {
    return this.gate.release();
  }

  // ---------------------------------------------------------------------------------------------- waiting

  waitForEdu(pred: (e: ReceivedEdu) => boolean, opts: WaitOptions): Promise<ReceivedEdu> {
    return this.stopped ? this.stoppedError('EDU') : this.store.edus.wait(pred, opts, this.where());
  }

  waitForPdu(pred: (p: ReceivedPdu) => boolean, opts: WaitOptions): Promise<ReceivedPdu> {
    return this.stopped ? this.stoppedError('PDU') : this.store.pdus.wait(pred, opts, this.where());
  }

  /** Wait for a request the target makes to us (e.g. its key fetch), answered or refused. */
  waitForRequest(pred: (r: ReceivedRequest) => boolean, opts: WaitOptions): Promise<ReceivedRequest> {
    return this.stopped ? this.stoppedError('request') : this.store.requests.wait(pred, opts, this.where());
  }

  private where(): string {
    return `${this.serverName} (from ${this.target.serverName})`;
  }

  private stoppedError<T>(what: string): Promise<T> {
    return Promise.reject(new Error(`${this.serverName} is stopped; no ${what} will arrive`));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.gate.release();
    this.store.rejectWaiters(new Error(`${this.serverName} stopped while waiting`));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.log(`fake homeserver ${this.serverName} stopped`);
  }
}
