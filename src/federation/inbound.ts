// The fake server's answers to the target: its key document, PUT /send (recorded, deduplicated), and the
// read-only federation endpoints a homeserver may call while a remote server is in its room.
//
// Never 5xx: a 5xx (or 401/429/timeout) puts us into the homeserver's backoff, during which it stops sending
// us anything. Handler exceptions become 400 and are logged.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { signEvent, type Pdu } from './events.ts';
import type { SigningKey } from './keys.ts';
import { isSupportedRoomVersion } from './room-versions.ts';
import type { SendGate } from './hold.ts';
import type { FederationStore, ReceivedEdu, ReceivedPdu } from './store.ts';
import { buildServerKeyDocument, verifyXMatrixRequest, XMatrixError, type ServerKeyFetcher } from './xmatrix.ts';

export const FAKE_SERVER_SOFTWARE = { name: 'receipts-conformance-fake', version: '0.2.0' } as const;

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_TXN_PDUS = 50;
const MAX_TXN_EDUS = 100;

export interface InboundContext {
  serverName: string;
  signingKey: SigningKey;
  keyFetcher: ServerKeyFetcher;
  store: FederationStore;
  log: (line: string) => void;
  /** Holds answers to PUT /send while a scenario plays a slow remote. */
  gate?: SendGate;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

type Answer = [number, unknown];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
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

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'M_NOT_JSON', 'request body is not valid JSON');
  }
}

function isKeyRequest(method: string, seg: string[]): boolean {
  // Synapse 1.60 asks for /server/{keyId}; newer servers for /server.
  return method === 'GET' && seg[0] === '_matrix' && seg[1] === 'key' && seg[2] === 'v2' && seg[3] === 'server' && seg.length <= 5;
}

function errorAnswer(e: unknown, ctx: InboundContext, what: string): Answer {
  if (e instanceof XMatrixError || e instanceof HttpError) return [e.status, { errcode: e.errcode, error: e.message }];
  ctx.log(`handler error for ${what}: ${(e as Error)?.stack ?? String(e)}`);
  return [400, { errcode: 'M_UNKNOWN', error: `fake server could not handle the request: ${(e as Error)?.message ?? String(e)}` }];
}

/** The request handler of a fake server. */
export function inboundHandler(ctx: InboundContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    let origin: string | undefined;
    res.on('finish', () => {
      const record = { method, path: rawUrl, status: res.statusCode, ...(origin === undefined ? {} : { origin }) };
      ctx.store.requests.push(record);
      ctx.log(`<- ${method} ${rawUrl} ${res.statusCode}${origin ? ` (${origin})` : ''}`);
      ctx.store.requests.notify(record);
    });
    let answer: Answer;
    try {
      const content = parseJson(await readBody(req));
      const url = new URL(rawUrl, 'https://fake.invalid');
      const seg = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
      if (isKeyRequest(method, seg)) {
        answer = [200, buildServerKeyDocument(ctx.serverName, ctx.signingKey)];
      } else if (seg[0] === '_matrix' && seg[1] === 'federation') {
        origin = await verifyXMatrixRequest({ method, uri: rawUrl, authorization: req.headers.authorization, content }, ctx.serverName, ctx.keyFetcher);
        answer = routeFederation(ctx, { method, seg: seg.slice(2), query: url.searchParams, content, origin });
        // The transaction is recorded by now; only its answer waits.
        if (ctx.gate && method === 'PUT' && seg[2] === 'v1' && seg[3] === 'send' && answer[0] === 200) await ctx.gate.pass(seg[4] ?? '?', content);
      } else {
        answer = [404, { errcode: 'M_UNRECOGNIZED', error: `unrecognised request ${method} ${url.pathname}` }];
      }
    } catch (e) {
      answer = errorAnswer(e, ctx, `${method} ${rawUrl}`);
    }
    if (res.headersSent) return;
    const text = JSON.stringify(answer[1]);
    res.writeHead(answer[0], { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
  };
}

interface FedRequest {
  method: string;
  /** Path segments after `/_matrix/federation/`, starting with the version. */
  seg: string[];
  query: URLSearchParams;
  content: unknown;
  origin: string;
}

const notFound = (ctx: InboundContext, what: string): Answer => [404, { errcode: 'M_NOT_FOUND', error: `${what} not known to ${ctx.serverName}` }];

function routeFederation(ctx: InboundContext, r: FedRequest): Answer {
  const [version, name, ...rest] = r.seg;
  const answer = routeSimple(ctx, `${r.method} ${version}/${name}`, rest, r) ?? routeRoomData(ctx, `${r.method} ${version}/${name}`, rest, r.query);
  return answer ?? [404, { errcode: 'M_UNRECOGNIZED', error: `unrecognised request ${r.method} /_matrix/federation/${r.seg.join('/')}` }];
}

function routeSimple(ctx: InboundContext, route: string, rest: string[], r: FedRequest): Answer | undefined {
  switch (route) {
    case 'PUT v1/send':
      return rest.length === 1 ? [200, onTransaction(ctx, rest[0]!, r.content, r.origin)] : undefined;
    case 'GET v1/version':
      return rest.length === 0 ? [200, { server: { ...FAKE_SERVER_SOFTWARE } }] : undefined;
    case 'GET v1/user':
      return rest[0] === 'devices' && rest.length === 2 ? [200, { user_id: rest[1], stream_id: 0, devices: [] }] : undefined;
    case 'POST v1/user':
      if (rest[0] === 'keys' && rest[1] === 'query' && rest.length === 2) return [200, { device_keys: {} }];
      return rest[0] === 'keys' && rest[1] === 'claim' && rest.length === 2 ? [200, { one_time_keys: {} }] : undefined;
    case 'GET v1/query':
      return rest[0] === 'profile' && rest.length === 1 ? [200, {}] : undefined;
    case 'POST v1/get_missing_events':
      return rest.length === 1 ? [200, { events: [] }] : undefined;
    case 'GET v1/backfill':
      return rest.length === 1 ? [200, { origin: ctx.serverName, origin_server_ts: Date.now(), pdus: [] }] : undefined;
    case 'PUT v2/invite':
      return rest.length === 2 ? onInvite(ctx, r.content) : undefined;
    default:
      return undefined;
  }
}

function routeRoomData(ctx: InboundContext, route: string, rest: string[], query: URLSearchParams): Answer | undefined {
  const { store } = ctx;
  switch (route) {
    case 'GET v1/event': {
      if (rest.length !== 1) return undefined;
      const known = store.events.get(rest[0]!);
      return known ? [200, { origin: ctx.serverName, origin_server_ts: Date.now(), pdus: [known.event] }] : notFound(ctx, `event ${rest[0]}`);
    }
    case 'GET v1/state_ids':
    case 'GET v1/state':
      return rest.length === 1 ? onState(ctx, route === 'GET v1/state_ids', rest[0]!, query.get('event_id')) : undefined;
    case 'GET v1/event_auth': {
      if (rest.length !== 2) return undefined;
      if (!store.events.has(rest[1]!)) return notFound(ctx, `event ${rest[1]}`);
      return [200, { auth_chain: store.authChainIds([rest[1]!]).map((id) => store.events.get(id)!.event) }];
    }
    default:
      return undefined;
  }
}

function onState(ctx: InboundContext, idsOnly: boolean, roomId: string, eventId: string | null): Answer {
  const room = ctx.store.rooms.get(roomId);
  if (!room) return notFound(ctx, `room ${roomId}`);
  if (eventId !== null && !room.events.has(eventId)) return notFound(ctx, `event ${eventId}`);
  const stateIds = [...room.state.values()];
  const authIds = ctx.store.authChainIds(stateIds);
  if (idsOnly) return [200, { pdu_ids: stateIds, auth_chain_ids: authIds }];
  return [200, { pdus: stateIds.map((id) => room.events.get(id)!), auth_chain: authIds.map((id) => ctx.store.events.get(id)!.event) }];
}

function onInvite(ctx: InboundContext, content: unknown): Answer | undefined {
  if (!isObject(content) || !isObject(content.event)) return undefined;
  const roomVersion = String(content.room_version ?? '1');
  if (!isSupportedRoomVersion(roomVersion)) {
    return [400, { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: `room version ${roomVersion} not supported`, room_version: roomVersion }];
  }
  return [200, { event: signEvent(content.event, roomVersion, ctx.serverName, ctx.signingKey.keyId, ctx.signingKey) }];
}

function checkTransaction(content: unknown): { pdus: unknown[]; edus: unknown[] } {
  if (!isObject(content)) throw new HttpError(400, 'M_BAD_JSON', 'transaction body must be a JSON object');
  const pdus = content.pdus === undefined ? [] : content.pdus;
  const edus = content.edus === undefined ? [] : content.edus;
  if (!Array.isArray(pdus) || !Array.isArray(edus)) throw new HttpError(400, 'M_BAD_JSON', 'pdus and edus must be arrays');
  if (pdus.length > MAX_TXN_PDUS || edus.length > MAX_TXN_EDUS) throw new HttpError(400, 'M_BAD_JSON', 'too many PDUs or EDUs in transaction');
  return { pdus, edus };
}

function onTransaction(ctx: InboundContext, txnId: string, content: unknown, origin: string): unknown {
  const { store } = ctx;
  const dedupeKey = `${origin}\u0000${txnId}`;
  if (store.seenTxns.has(dedupeKey)) {
    ctx.log(`duplicate transaction ${txnId} from ${origin}; not recorded again`);
    return store.seenTxns.get(dedupeKey);
  }
  const { pdus, edus } = checkTransaction(content);
  const receivedAt = Date.now();
  const results: Record<string, unknown> = {};
  const newPdus: ReceivedPdu[] = [];
  for (const pdu of pdus.filter(isObject)) {
    const roomId = typeof pdu.room_id === 'string' ? pdu.room_id : undefined;
    const room = roomId === undefined ? undefined : store.rooms.get(roomId);
    const eventId = room ? store.rememberEvent(room, pdu as Pdu, { asState: typeof pdu.state_key === 'string', advanceTips: true }) : undefined;
    if (eventId !== undefined) results[eventId] = {};
    if (!room) ctx.log(`PDU for unknown room ${String(roomId)} from ${origin} recorded without event ID`);
    newPdus.push({ event: pdu, eventId, roomId, origin, txnId, receivedAt });
  }
  const newEdus: ReceivedEdu[] = edus.filter(isObject).map((edu) => ({ edu_type: String(edu.edu_type), content: edu.content, origin, txnId, receivedAt }));
  const response = { pdus: results };
  store.seenTxns.set(dedupeKey, response);
  // Record everything first, then wake waiters, so a waiter sees a consistent `received`.
  store.pdus.push(...newPdus);
  store.edus.push(...newEdus);
  for (const p of newPdus) store.pdus.notify(p);
  for (const e of newEdus) store.edus.notify(e);
  return response;
}
