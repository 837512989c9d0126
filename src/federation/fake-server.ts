// The suite's fake remote homeserver. It plays a remote server that joins rooms hosted by the homeserver
// under test, injects PDUs/EDUs through `PUT /send`, and records everything the homeserver sends to it.
//
// - Listens on HTTPS (self-signed) on 127.0.0.1 only, on a fresh port per instance: the server name
//   `127.0.0.1:<port>` is an IP literal with a port, so homeservers skip .well-known/SRV, and every test gets a
//   new destination (no backoff or key cache carried over).
// - Talks to the homeserver over plain HTTP at `target.baseUrl` (federation on the client listener), signing
//   every request with X-Matrix for `target.serverName`.
// - Never answers 5xx: a 5xx (or 401/429/timeout) puts us into the homeserver's backoff, during which it
//   stops sending us anything. Handler exceptions become 400 and are logged.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { computeEventId, finaliseEvent, buildPdu, signEvent, isKnownRoomVersion, SUPPORTED_ROOM_VERSIONS, type Pdu } from './events.ts';
import { requestJson } from './http.ts';
import { generateSigningKey, type SigningKey } from './keys.ts';
import { getTlsMaterial } from './tls.ts';
import { buildServerKeyDocument, buildXMatrixAuthorization, ServerKeyFetcher, verifyXMatrixRequest, XMatrixError } from './xmatrix.ts';

export const FAKE_SERVER_SOFTWARE = { name: 'receipts-conformance-fake', version: '0.1.0' } as const;

export interface FakeHomeserverTarget {
  /** The homeserver's server name, e.g. `hs.rc.test`. */
  serverName: string;
  /** Where its federation API is served, e.g. `http://127.0.0.1:8008`. */
  baseUrl: string;
}

export interface FakeHomeserverOptions {
  target: FakeHomeserverTarget;
  log?: (line: string) => void;
  /** Defaults to a fresh random key with a random key id. */
  signingKey?: SigningKey;
  /** Timeout for outgoing requests (default 30 s). */
  requestTimeoutMs?: number;
}

export interface ReceivedEdu {
  edu_type: string;
  content: unknown;
  /** The authenticated origin of the transaction. */
  origin: string;
  txnId: string;
  receivedAt: number;
}

export interface ReceivedPdu {
  event: Record<string, unknown>;
  /** Computed from the room's version; undefined for rooms this server has not joined. */
  eventId: string | undefined;
  roomId: string | undefined;
  origin: string;
  txnId: string;
  receivedAt: number;
}

export interface ReceivedRequest {
  method: string;
  /** Raw path + query. */
  path: string;
  status: number;
  /** Authenticated X-Matrix origin, when there was one. */
  origin?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Index in the received list to start from (default 0: already-received items count). */
  since?: number;
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

export interface JoinResult {
  eventId: string;
  roomVersion: string;
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

interface TrackedRoom {
  roomId: string;
  roomVersion: string;
  /** `${type}\0${state_key}` → event ID. */
  state: Map<string, string>;
  events: Map<string, Pdu>;
  /** Forward extremities. */
  tips: Set<string>;
}

interface Waiter<T> {
  pred: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (err: Error) => void;
}

const stateKeyOf = (type: string, stateKey: string): string => `${type}\u0000${stateKey}`;
const enc = encodeURIComponent;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_PREV_EVENTS = 10;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isLoopbackServerName(name: string): boolean {
  return /^(?:127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(name);
}

function summariseTypes(items: readonly { edu_type?: string; event?: Record<string, unknown> }[]): string {
  const counts = new Map<string, number>();
  for (const it of items) {
    const t = it.edu_type ?? String(it.event?.type ?? '?');
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts.size === 0 ? 'none' : [...counts].map(([t, n]) => `${t}×${n}`).join(', ');
}

export class FakeHomeserver {
  readonly serverName: string;
  readonly baseUrl: string;
  readonly port: number;
  readonly signingKey: SigningKey;
  readonly target: FakeHomeserverTarget;
  readonly received: { edus: ReceivedEdu[]; pdus: ReceivedPdu[]; requests: ReceivedRequest[] } = { edus: [], pdus: [], requests: [] };

  private readonly rooms = new Map<string, TrackedRoom>();
  /** Every event we know of, by ID, for `GET /event/{id}`. */
  private readonly events = new Map<string, { event: Pdu; roomVersion: string }>();
  private readonly eduWaiters = new Set<Waiter<ReceivedEdu>>();
  private readonly pduWaiters = new Set<Waiter<ReceivedPdu>>();
  /** `${origin}\0${txnId}` → response body, for retried transactions. */
  private readonly seenTxns = new Map<string, unknown>();
  private readonly keyFetcher: ServerKeyFetcher;
  private readonly log: (line: string) => void;
  private readonly requestTimeoutMs: number;
  private readonly txnPrefix = `rc${randomBytes(4).toString('hex')}`;
  private txnCounter = 0;
  private stopped = false;

  private constructor(
    private readonly server: https.Server,
    port: number,
    opts: FakeHomeserverOptions,
    key: SigningKey,
  ) {
    this.port = port;
    this.serverName = `127.0.0.1:${port}`;
    this.baseUrl = `https://127.0.0.1:${port}`;
    this.signingKey = key;
    this.target = { serverName: opts.target.serverName, baseUrl: opts.target.baseUrl.replace(/\/+$/, '') };
    this.log = opts.log ?? (() => {});
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.keyFetcher = new ServerKeyFetcher((name) => {
      if (name === this.target.serverName) return this.target.baseUrl;
      // Another fake server (or any loopback IP-literal server): resolve like the spec does for IP literals.
      if (isLoopbackServerName(name)) return `https://${name}`;
      return undefined;
    }, this.log);
    this.keyFetcher.seed(this.serverName, new Map([[key.keyId, key.publicKey]]));
  }

  static async start(opts: FakeHomeserverOptions): Promise<FakeHomeserver> {
    const tls = await getTlsMaterial();
    const key = opts.signingKey ?? generateSigningKey();
    let instance: FakeHomeserver | undefined;
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      if (!instance) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errcode":"M_UNRECOGNIZED","error":"starting"}');
        return;
      }
      void instance.handle(req, res);
    });
    // A TLS handshake failure or a client reset must never take the process down.
    server.on('tlsClientError', (err) => opts.log?.(`TLS client error: ${err.message}`));
    server.on('clientError', (err, socket) => {
      opts.log?.(`client error: ${err.message}`);
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    instance = new FakeHomeserver(server, port, opts, key);
    instance.log(`fake homeserver ${instance.serverName} listening (key ${key.keyId}); target ${instance.target.serverName} at ${instance.target.baseUrl}`);
    return instance;
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  /** The room's version and current state event IDs, if joined. */
  roomInfo(roomId: string): { roomVersion: string; state: Map<string, string>; tips: string[] } | undefined {
    const room = this.rooms.get(roomId);
    return room && { roomVersion: room.roomVersion, state: new Map(room.state), tips: [...room.tips] };
  }

  /** A known event (ours, from send_join, or received). */
  getEvent(eventId: string): Pdu | undefined {
    return this.events.get(eventId)?.event;
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
    const started = Date.now();
    const res = await requestJson({
      method,
      baseUrl,
      path,
      headers: { Authorization: auth },
      ...(body === undefined ? {} : { body: canonicalJson(body) }),
      timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs,
    });
    this.log(`-> ${method} ${path} ${res.status} (${Date.now() - started} ms)`);
    return { status: res.status, body: res.body };
  }

  /**
   * Join `roomId` (hosted by the target) as `userId` via make_join (v10/v11) and send_join, and start
   * tracking its state and DAG tips.
   */
  async joinRoom(roomId: string, userId: string, opts: { roomVersions?: readonly string[] } = {}): Promise<JoinResult> {
    const versions = opts.roomVersions ?? SUPPORTED_ROOM_VERSIONS;
    const query = versions.map((v) => `ver=${enc(v)}`).join('&');
    const mj = await this.federationRequest('GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}?${query}`);
    if (mj.status !== 200 || !isObject(mj.body) || !isObject(mj.body.event)) {
      throw new Error(`make_join for ${userId} in ${roomId} failed: ${mj.status} ${JSON.stringify(mj.body)}`);
    }
    const roomVersion = String(mj.body.room_version ?? '1');
    if (!versions.includes(roomVersion) || !isKnownRoomVersion(roomVersion)) {
      throw new Error(`make_join offered room version ${roomVersion}, which this fake server does not support (asked for ${versions.join(', ')})`);
    }
    const template: Record<string, unknown> = { ...mj.body.event, origin_server_ts: Date.now() };
    if ('origin' in template) template.origin = this.serverName;
    if (template.sender !== userId || template.state_key !== userId || (template.content as { membership?: unknown } | undefined)?.membership !== 'join') {
      throw new Error(`make_join returned an unexpected template: ${JSON.stringify(mj.body.event)}`);
    }
    const { event, eventId } = finaliseEvent(template, roomVersion, { serverName: this.serverName, key: this.signingKey });

    const sj = await this.federationRequest('PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(eventId)}`, event);
    if (sj.status !== 200 || !isObject(sj.body)) {
      throw new Error(`send_join for ${userId} in ${roomId} failed: ${sj.status} ${JSON.stringify(sj.body)}`);
    }
    const room: TrackedRoom = this.rooms.get(roomId) ?? { roomId, roomVersion, state: new Map(), events: new Map(), tips: new Set() };
    room.roomVersion = roomVersion;
    this.rooms.set(roomId, room);
    const state = Array.isArray(sj.body.state) ? (sj.body.state as unknown[]) : [];
    const authChain = Array.isArray(sj.body.auth_chain) ? (sj.body.auth_chain as unknown[]) : [];
    for (const ev of [...authChain, ...state]) {
      if (isObject(ev)) this.rememberEvent(room, ev as Pdu, { asState: state.includes(ev) });
    }
    // The resident server may return the join with its own signature added (restricted rooms).
    const joined = isObject(sj.body.event) && computeEventId(sj.body.event, roomVersion) === eventId ? (sj.body.event as Pdu) : event;
    this.rememberEvent(room, joined, { asState: true });
    room.tips = new Set([eventId]);
    this.log(`joined ${roomId} (v${roomVersion}) as ${userId}: ${eventId}; ${room.state.size} state events`);
    return { eventId, roomVersion };
  }

  /** Build and sign a PDU on the tracked DAG tips of a joined room. Tips only move once the PDU is accepted. */
  createEvent(roomId: string, input: CreateEventInput): { event: Pdu; eventId: string } {
    const room = this.rooms.get(roomId);
    if (!room) throw new Error(`createEvent: ${this.serverName} has not joined ${roomId}`);
    const prevEvents = input.prev_events ?? [...room.tips].sort().slice(0, MAX_PREV_EVENTS);
    const depth =
      input.depth ??
      Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, ...prevEvents.map((id) => Number(this.events.get(id)?.event.depth ?? 0))) + 1);
    const authEvents = input.auth_events ?? this.selectAuthEvents(room, input);
    const built = buildPdu(
      {
        roomVersion: room.roomVersion,
        roomId,
        sender: input.sender,
        type: input.type,
        content: input.content,
        ...(input.state_key === undefined ? {} : { stateKey: input.state_key }),
        prevEvents,
        authEvents,
        depth,
        originServerTs: input.origin_server_ts ?? Date.now(),
      },
      { serverName: this.serverName, key: this.signingKey },
    );
    this.events.set(built.eventId, { event: built.event, roomVersion: room.roomVersion });
    return built;
  }

  private selectAuthEvents(room: TrackedRoom, input: CreateEventInput): string[] {
    const keys = [stateKeyOf('m.room.create', ''), stateKeyOf('m.room.power_levels', ''), stateKeyOf('m.room.member', input.sender)];
    if (input.type === 'm.room.member' && input.state_key !== undefined) {
      keys.push(stateKeyOf('m.room.member', input.state_key));
      const membership = input.content.membership;
      if (membership === 'join' || membership === 'invite') keys.push(stateKeyOf('m.room.join_rules', ''));
    }
    const ids = keys.map((k) => room.state.get(k)).filter((id): id is string => id !== undefined);
    return [...new Set(ids)];
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
    if (res.status === 200 && isObject(res.body)) {
      const results = isObject(res.body.pdus) ? res.body.pdus : {};
      for (const pdu of pdus) {
        if (!isObject(pdu)) continue;
        const room = typeof pdu.room_id === 'string' ? this.rooms.get(pdu.room_id) : undefined;
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
        this.rememberEvent(room, pdu as Pdu, { asState: typeof pdu.state_key === 'string', advanceTips: true });
      }
    }
    return res;
  }

  /** Record an event in the room; optionally update state and forward extremities. Returns its ID. */
  private rememberEvent(room: TrackedRoom, event: Pdu, opts: { asState?: boolean; advanceTips?: boolean }): string | undefined {
    let id: string;
    try {
      id = computeEventId(event, room.roomVersion);
    } catch (e) {
      this.log(`cannot compute event ID in ${room.roomId}: ${(e as Error).message}`);
      return undefined;
    }
    room.events.set(id, event);
    this.events.set(id, { event, roomVersion: room.roomVersion });
    if (opts.asState && typeof event.state_key === 'string') room.state.set(stateKeyOf(event.type, event.state_key), id);
    if (opts.advanceTips) {
      for (const prev of Array.isArray(event.prev_events) ? event.prev_events : []) room.tips.delete(prev);
      room.tips.add(id);
    }
    return id;
  }

  // ---------------------------------------------------------------------------------------------- waiting

  waitForEdu(pred: (e: ReceivedEdu) => boolean, opts: WaitOptions): Promise<ReceivedEdu> {
    return this.waitFor(this.received.edus, this.eduWaiters, pred, opts, 'EDU');
  }

  waitForPdu(pred: (p: ReceivedPdu) => boolean, opts: WaitOptions): Promise<ReceivedPdu> {
    return this.waitFor(this.received.pdus, this.pduWaiters, pred, opts, 'PDU');
  }

  private waitFor<T extends ReceivedEdu | ReceivedPdu>(list: T[], waiters: Set<Waiter<T>>, pred: (item: T) => boolean, opts: WaitOptions, what: string): Promise<T> {
    const since = opts.since ?? 0;
    for (let i = since; i < list.length; i++) {
      if (pred(list[i]!)) return Promise.resolve(list[i]!);
    }
    if (this.stopped) return Promise.reject(new Error(`${this.serverName} is stopped; no ${what} will arrive`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const seen = list.slice(since) as { edu_type?: string; event?: Record<string, unknown> }[];
        reject(
          new Error(
            `timed out after ${opts.timeoutMs} ms waiting for a matching ${what} at ${this.serverName} ` +
              `(from ${this.target.serverName}); ${seen.length} ${what}(s) received since index ${since}: ${summariseTypes(seen)}`,
          ),
        );
      }, opts.timeoutMs);
      const waiter: Waiter<T> = {
        pred,
        resolve: (item) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(item);
        },
        reject: (err) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(err);
        },
      };
      waiters.add(waiter);
    });
  }

  private notify<T>(waiters: Set<Waiter<T>>, item: T): void {
    for (const w of [...waiters]) {
      let matched: boolean;
      try {
        matched = w.pred(item);
      } catch (e) {
        w.reject(e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (matched) w.resolve(item);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const err = new Error(`${this.serverName} stopped while waiting`);
    for (const w of [...this.eduWaiters]) w.reject(err);
    for (const w of [...this.pduWaiters]) w.reject(err);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.log(`fake homeserver ${this.serverName} stopped`);
  }

  // ---------------------------------------------------------------------------------------------- incoming

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    let origin: string | undefined;
    const send = (status: number, body: unknown): void => {
      if (res.headersSent) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    res.on('finish', () => {
      this.received.requests.push({ method, path: rawUrl, status: res.statusCode, ...(origin === undefined ? {} : { origin }) });
      this.log(`<- ${method} ${rawUrl} ${res.statusCode}${origin ? ` (${origin})` : ''}`);
    });
    try {
      const raw = await readBody(req);
      const url = new URL(rawUrl, 'https://fake.invalid');
      const segments = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
      let content: unknown = undefined;
      if (raw.length > 0) {
        try {
          content = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 'M_NOT_JSON', 'request body is not valid JSON');
        }
      }
      if (segments[0] === '_matrix' && segments[1] === 'key' && segments[2] === 'v2' && segments[3] === 'server' && segments.length <= 5 && method === 'GET') {
        send(200, buildServerKeyDocument(this.serverName, this.signingKey));
        return;
      }
      if (segments[0] === '_matrix' && segments[1] === 'federation') {
        origin = await verifyXMatrixRequest({ method, uri: rawUrl, authorization: req.headers.authorization, content }, this.serverName, this.keyFetcher);
        const [status, body] = this.routeFederation(method, segments.slice(2), url.searchParams, content, origin);
        send(status, body);
        return;
      }
      send(404, { errcode: 'M_UNRECOGNIZED', error: `unrecognised request ${method} ${url.pathname}` });
    } catch (e) {
      if (e instanceof XMatrixError) {
        send(e.status, { errcode: e.errcode, error: e.message });
      } else if (e instanceof HttpError) {
        send(e.status, { errcode: e.errcode, error: e.message });
      } else {
        this.log(`handler error for ${method} ${rawUrl}: ${(e as Error)?.stack ?? String(e)}`);
        send(400, { errcode: 'M_UNKNOWN', error: `fake server could not handle the request: ${(e as Error)?.message ?? String(e)}` });
      }
    }
  }

  /** Routes `/_matrix/federation/<version>/...`; `seg` starts at the version segment. */
  private routeFederation(method: string, seg: string[], query: URLSearchParams, content: unknown, origin: string): [number, unknown] {
    const [version, name, ...rest] = seg;
    const route = `${method} ${version}/${name}`;
    const notFound = (what: string): [number, unknown] => [404, { errcode: 'M_NOT_FOUND', error: `${what} not known to ${this.serverName}` }];
    switch (route) {
      case 'PUT v1/send':
        if (rest.length === 1) return [200, this.onTransaction(rest[0]!, content, origin)];
        break;
      case 'GET v1/version':
        if (rest.length === 0) return [200, { server: { ...FAKE_SERVER_SOFTWARE } }];
        break;
      case 'GET v1/user':
        if (rest[0] === 'devices' && rest.length === 2) return [200, { user_id: rest[1], stream_id: 0, devices: [] }];
        break;
      case 'POST v1/user':
        if (rest[0] === 'keys' && rest[1] === 'query' && rest.length === 2) return [200, { device_keys: {} }];
        if (rest[0] === 'keys' && rest[1] === 'claim' && rest.length === 2) return [200, { one_time_keys: {} }];
        break;
      case 'GET v1/query':
        if (rest[0] === 'profile' && rest.length === 1) return [200, {}];
        break;
      case 'GET v1/event': {
        if (rest.length !== 1) break;
        const known = this.events.get(rest[0]!);
        if (!known) return notFound(`event ${rest[0]}`);
        return [200, { origin: this.serverName, origin_server_ts: Date.now(), pdus: [known.event] }];
      }
      case 'GET v1/state_ids':
      case 'GET v1/state': {
        if (rest.length !== 1) break;
        const room = this.rooms.get(rest[0]!);
        if (!room) return notFound(`room ${rest[0]}`);
        const eventId = query.get('event_id');
        if (eventId !== null && !room.events.has(eventId)) return notFound(`event ${eventId}`);
        const stateIds = [...room.state.values()];
        const authIds = this.authChainIds(stateIds);
        if (name === 'state_ids') return [200, { pdu_ids: stateIds, auth_chain_ids: authIds }];
        return [200, { pdus: stateIds.map((id) => room.events.get(id)!), auth_chain: authIds.map((id) => this.events.get(id)!.event) }];
      }
      case 'GET v1/event_auth': {
        if (rest.length !== 2) break;
        const ev = this.events.get(rest[1]!);
        if (!ev) return notFound(`event ${rest[1]}`);
        return [200, { auth_chain: this.authChainIds([rest[1]!]).map((id) => this.events.get(id)!.event) }];
      }
      case 'POST v1/get_missing_events':
        if (rest.length === 1) return [200, { events: [] }];
        break;
      case 'GET v1/backfill':
        if (rest.length === 1) return [200, { origin: this.serverName, origin_server_ts: Date.now(), pdus: [] }];
        break;
      case 'PUT v2/invite': {
        if (rest.length !== 2 || !isObject(content) || !isObject(content.event)) break;
        const roomVersion = String(content.room_version ?? '1');
        if (!isKnownRoomVersion(roomVersion) || Number(roomVersion) < 3) {
          return [400, { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: `room version ${roomVersion} not supported`, room_version: roomVersion }];
        }
        return [200, { event: signEvent(content.event, roomVersion, this.serverName, this.signingKey.keyId, this.signingKey) }];
      }
      default:
        break;
    }
    return [404, { errcode: 'M_UNRECOGNIZED', error: `unrecognised request ${method} /_matrix/federation/${seg.join('/')}` }];
  }

  /** IDs of the events reachable through `auth_events` from `ids` (the auth chain), among events we know. */
  private authChainIds(ids: string[]): string[] {
    const seen = new Set<string>();
    const authOf = (id: string): string[] => {
      const ev = this.events.get(id)?.event;
      return ev && Array.isArray(ev.auth_events) ? ev.auth_events : [];
    };
    const stack = ids.flatMap(authOf);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id) || !this.events.has(id)) continue;
      seen.add(id);
      stack.push(...authOf(id));
    }
    return [...seen];
  }

  private onTransaction(txnId: string, content: unknown, origin: string): unknown {
    const dedupeKey = `${origin}\u0000${txnId}`;
    if (this.seenTxns.has(dedupeKey)) {
      this.log(`duplicate transaction ${txnId} from ${origin}; not recorded again`);
      return this.seenTxns.get(dedupeKey);
    }
    if (!isObject(content)) throw new HttpError(400, 'M_BAD_JSON', 'transaction body must be a JSON object');
    const pdus = content.pdus === undefined ? [] : content.pdus;
    const edus = content.edus === undefined ? [] : content.edus;
    if (!Array.isArray(pdus) || !Array.isArray(edus)) throw new HttpError(400, 'M_BAD_JSON', 'pdus and edus must be arrays');
    if (pdus.length > 50 || edus.length > 100) throw new HttpError(400, 'M_BAD_JSON', 'too many PDUs or EDUs in transaction');
    const receivedAt = Date.now();
    const results: Record<string, unknown> = {};
    const newPdus: ReceivedPdu[] = [];
    const newEdus: ReceivedEdu[] = [];
    for (const pdu of pdus) {
      if (!isObject(pdu)) continue;
      const roomId = typeof pdu.room_id === 'string' ? pdu.room_id : undefined;
      const room = roomId === undefined ? undefined : this.rooms.get(roomId);
      let eventId: string | undefined;
      if (room) {
        eventId = this.rememberEvent(room, pdu as Pdu, { asState: typeof pdu.state_key === 'string', advanceTips: true });
        if (eventId !== undefined) results[eventId] = {};
      } else {
        this.log(`PDU for unknown room ${String(roomId)} from ${origin} recorded without event ID`);
      }
      newPdus.push({ event: pdu, eventId, roomId, origin, txnId, receivedAt });
    }
    for (const edu of edus) {
      if (!isObject(edu)) continue;
      newEdus.push({ edu_type: String(edu.edu_type), content: edu.content, origin, txnId, receivedAt });
    }
    const response = { pdus: results };
    this.seenTxns.set(dedupeKey, response);
    // Record everything first, then wake waiters, so a waiter sees a consistent `received`.
    this.received.pdus.push(...newPdus);
    this.received.edus.push(...newEdus);
    for (const p of newPdus) this.notify(this.pduWaiters, p);
    for (const e of newEdus) this.notify(this.eduWaiters, e);
    return response;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'M_TOO_LARGE', 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
