// The suite's application service: an HTTP server on loopback that the homeserver pushes
// transactions to (Application Service API, "Pushing events"), and that the scenarios ask, over
// an observer endpoint of their own, for what arrived. It lives as long as the target: the
// registration's URL is fixed when the homeserver starts, so it listens before the homeserver
// does and is never refused.
//
// It answers every transaction 200 {} at once: a homeserver that meets an error backs off, and
// Synapse marks the AS down and drops ephemeral-only batches while it is, which would lose data
// for every later scenario. So nothing here answers 5xx, and only a request the homeserver
// should never send (bad token, not JSON, over the body cap) gets a 4xx.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { asObject } from '../runner/json.ts';
import type { ObserveRequest, ObservedTxn } from './access.ts';
import { DEFAULT_LOG_LIMITS, TxnLog, type LogLimits } from './txn-log.ts';

export const OBSERVE_PATH = '/_rc/observe';
/** A homeserver transaction is a few KB; this is far above any and far below trouble. */
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_OBSERVE_WAIT_MS = 30_000;
const MAX_SELECTOR_ITEMS = 1_000;

export interface ReceiverOptions {
  hsToken: string;
  observerToken: string;
  limits?: Partial<LogLimits>;
  maxBodyBytes?: number;
  /** Anomalies for the operator (a wrong token, a body that is not JSON); never a token. */
  log?: (line: string) => void;
}

export interface ReceiverStats {
  transactions: number;
  repeats: number;
  unauthorised: number;
  malformed: number;
  pings: number;
  queries: number;
  unknown: number;
}

type Answer = [number, unknown];

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function readBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      reject(new Refusal(413, 'M_TOO_LARGE', `request body of ${declared} bytes exceeds the ${cap}-byte cap`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        reject(new Refusal(413, 'M_TOO_LARGE', `request body exceeds the ${cap}-byte cap`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseObject(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = raw.length ? JSON.parse(raw.toString('utf8')) : {};
  } catch {
    throw new Refusal(400, 'M_NOT_JSON', 'request body is not valid JSON');
  }
  const obj = asObject(value);
  if (!obj) throw new Refusal(400, 'M_BAD_JSON', 'request body is not a JSON object');
  return obj;
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length > MAX_SELECTOR_ITEMS || !v.every((x) => typeof x === 'string')) throw new Refusal(400, 'M_BAD_JSON', `${what} must be a list of at most ${MAX_SELECTOR_ITEMS} strings`);
  return v as string[];
}

function observeRequest(body: Record<string, unknown>): ObserveRequest {
  const { since, timeout_ms } = body;
  if (!Number.isInteger(since) || (since as number) < 0) throw new Refusal(400, 'M_BAD_JSON', 'since must be a non-negative integer');
  if (!Number.isInteger(timeout_ms) || (timeout_ms as number) < 0) throw new Refusal(400, 'M_BAD_JSON', 'timeout_ms must be a non-negative integer');
  return { since: since as number, rooms: stringList(body.rooms, 'rooms'), events: stringList(body.events, 'events'), timeout_ms: Math.min(timeout_ms as number, MAX_OBSERVE_WAIT_MS) };
}

/** The PDUs of a transaction, reduced to what checks read. */
function eventSummaries(events: unknown): ObservedTxn['events'] {
  if (!Array.isArray(events)) return [];
  return events.map((e) => {
    const o = asObject(e) ?? {};
    return { event_id: o.event_id, room_id: o.room_id, type: o.type, sender: o.sender };
  });
}

export class AppServiceReceiver {
  readonly log: TxnLog;
  readonly stats: ReceiverStats = { transactions: 0, repeats: 0, unauthorised: 0, malformed: 0, pings: 0, queries: 0, unknown: 0 };
  private readonly maxBody: number;
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    private readonly opts: ReceiverOptions,
  ) {
    this.log = new TxnLog({ ...DEFAULT_LOG_LIMITS, ...opts.limits });
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Listens on 127.0.0.1 at a port the system picks; the registration then names it. */
  static async start(opts: ReceiverOptions): Promise<AppServiceReceiver> {
    const server = http.createServer();
    const receiver = new AppServiceReceiver(server, opts);
    server.on('request', (req, res) => void receiver.handle(req, res));
    // An observer's long-poll holds its request open for up to MAX_OBSERVE_WAIT_MS.
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The registration's url: no trailing slash, the homeserver appends /_matrix/app/v1/…. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.wakeAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.route(req);
    } catch (err) {
      if (err instanceof Refusal) answer = [err.status, { errcode: err.errcode, error: err.message }];
      else {
        // A fault of the suite itself: still not a 5xx, which would make the homeserver back off.
        this.opts.log?.(`application service receiver: ${(err as Error)?.message ?? String(err)}`);
        answer = [400, { errcode: 'M_UNKNOWN', error: 'the receiver could not handle the request' }];
      }
    }
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(answer[1]);
    res.writeHead(answer[0], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(req: IncomingMessage): Promise<Answer> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    let seg: string[];
    try {
      seg = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
    } catch {
      throw new Refusal(400, 'M_UNRECOGNIZED', 'malformed path');
    }
    if (url.pathname === OBSERVE_PATH) {
      if (method !== 'POST') throw new Refusal(405, 'M_UNRECOGNIZED', 'POST only');
      const token = bearer(req);
      if (token === undefined || !sameToken(token, this.opts.observerToken)) throw new Refusal(403, 'M_FORBIDDEN', 'bad observer token');
      const q = observeRequest(parseObject(await readBody(req, 64 * 1024)));
      return [200, await this.log.waitFor(q.since, { rooms: new Set(q.rooms), events: new Set(q.events) }, this.closed ? 0 : q.timeout_ms)];
    }
    // The versioned routes, and the legacy ones a homeserver may fall back to.
    const rest = seg[0] === '_matrix' && seg[1] === 'app' && seg[2] === 'v1' ? seg.slice(3) : seg;
    const known = (rest[0] === 'transactions' && rest.length === 2) || (rest[0] === 'ping' && rest.length === 1) || ((rest[0] === 'users' || rest[0] === 'rooms') && rest.length === 2);
    if (!known) {
      this.stats.unknown += 1;
      throw new Refusal(404, 'M_UNRECOGNIZED', `unrecognised request ${method} ${url.pathname}`);
    }
    const auth = this.authorise(req, url);
    if (rest[0] === 'transactions') {
      if (method !== 'PUT') throw new Refusal(405, 'M_UNRECOGNIZED', 'PUT only');
      return this.transaction(rest[1]!, await readBody(req, this.maxBody), auth);
    }
    if (rest[0] === 'ping') {
      if (method !== 'POST') throw new Refusal(405, 'M_UNRECOGNIZED', 'POST only');
      await readBody(req, 64 * 1024);
      this.stats.pings += 1;
      return [200, {}];
    }
    if (method !== 'GET') throw new Refusal(405, 'M_UNRECOGNIZED', 'GET only');
    // The suite provisions its users itself: it knows no user or alias the homeserver asks about.
    this.stats.queries += 1;
    return [404, { errcode: 'M_NOT_FOUND', error: `the suite's application service has no such ${rest[0] === 'users' ? 'user' : 'room alias'}` }];
  }

  /** Application Service API, Authorization: the hs_token, in the header (v1.4+) or the legacy query parameter. */
  private authorise(req: IncomingMessage, url: URL): ObservedTxn['auth'] {
    const header = bearer(req);
    const query = url.searchParams.get('access_token') ?? undefined;
    const ok = (t: string | undefined) => t === undefined || sameToken(t, this.opts.hsToken);
    if ((header === undefined && query === undefined) || !ok(header) || !ok(query)) {
      this.stats.unauthorised += 1;
      this.opts.log?.(`application service receiver: refused ${req.method} ${url.pathname}: ${header === undefined && query === undefined ? 'no hs_token' : 'a wrong hs_token'}`);
      throw new Refusal(403, 'M_FORBIDDEN', 'the hs_token is missing or wrong');
    }
    return header !== undefined && query !== undefined ? 'both' : header !== undefined ? 'header' : 'query';
  }

  private transaction(txnId: string, raw: Buffer, auth: ObservedTxn['auth']): Answer {
    let body: Record<string, unknown>;
    try {
      body = parseObject(raw);
    } catch (err) {
      this.stats.malformed += 1;
      this.opts.log?.(`application service receiver: transaction ${txnId} refused: ${(err as Error).message}`);
      throw err;
    }
    const stable = body.ephemeral;
    const unstable = body['de.sorunome.msc2409.ephemeral'];
    const ephemeralKey = Array.isArray(stable) ? 'ephemeral' : Array.isArray(unstable) ? 'de.sorunome.msc2409.ephemeral' : null;
    const list = (ephemeralKey === 'ephemeral' ? stable : ephemeralKey ? unstable : []) as unknown[];
    const entry = this.log.add({
      txnId,
      receivedAt: Date.now(),
      ephemeralKey,
      hasEvents: Array.isArray(body.events),
      ephemeral: list.map((x) => asObject(x) ?? { value: x }),
      events: eventSummaries(body.events),
      auth,
      bytes: raw.length,
      digest: createHash('sha256').update(raw).digest('hex'),
    });
    if (entry.repeats) this.stats.repeats += 1;
    else this.stats.transactions += 1;
    return [200, {}];
  }
}
