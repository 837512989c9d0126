// A thin client-server API client. Every call returns the status and body instead of throwing,
// because error responses are often the thing under test.
import { setTimeout as wait } from 'node:timers/promises';
import { httpRequest, httpLimits, type HttpResponse } from './http.ts';
import { DEFAULT_RATE_LIMIT, decide429, rateLimitStats, retryAfter, type RateLimitEvent, type RateLimitPolicy } from './rate-limit.ts';
import type { RequestRecord } from '../model.ts';

export type { RateLimitEvent, RateLimitPolicy } from './rate-limit.ts';

export interface ApiResult {
  status: number;
  json: any;
  text: string;
  record: RequestRecord;
  ms: number;
  /** Every 429 this call met, retried or not (absent when there was none). */
  rateLimited?: RateLimitEvent[];
}

export interface CallOptions {
  token?: string | null;
  json?: unknown;
  raw?: string;
  contentType?: string;
  query?: Record<string, string | undefined>;
  /** Total deadline of one HTTP exchange; the process default otherwise. */
  timeoutMs?: number;
  /** Absolute deadline of the whole call, retries included, on the performance.now() clock. */
  deadline?: number;
  /** Wait and retry on 429 M_LIMIT_EXCEEDED (default true). Off when the 429 is the thing under test. */
  retry429?: boolean;
  /** The scenario actor whose token this is, for the transcript and the reproducer. */
  actor?: string;
}

export interface ClientOptions {
  baseUrl: string;
  /** `v3` by default; `r0` for servers that predate spec v1.1. */
  pathVersion?: 'v3' | 'r0';
  /** Called with each exchange (429 retries included) and the milliseconds it took, for per-scenario accounting. */
  onExchange?: (record: RequestRecord, ms: number) => void;
  /** Bounds of the 429 waits (defaults: 3 retries, 10 s per wait). */
  rateLimit?: Partial<RateLimitPolicy>;
  /** An absolute deadline (performance.now() clock) for every call of this client, retries included. */
  deadline?: number;
  /** Called for every 429 the client meets, so the runner can put them in the report. */
  onRateLimited?: (event: RateLimitEvent) => void;
}

export interface Auth {
  /** Omit for anonymous calls; `null` sends no Authorization header at all. */
  token?: string | null;
}

export class MatrixApi {
  readonly baseUrl: string;
  readonly prefix: string;
  constructor(readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.prefix = `/_matrix/client/${opts.pathVersion ?? 'v3'}`;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResult> {
    const fullPath = path.startsWith('/_') ? path : this.prefix + path;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) qs.set(k, v);
    const pathWithQuery = qs.size ? `${fullPath}?${qs}` : fullPath;
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.contentType) headers['content-type'] = options.contentType;
    const policy = { ...DEFAULT_RATE_LIMIT, ...this.opts.rateLimit };
    const deadline = options.deadline ?? this.opts.deadline;
    const events: RateLimitEvent[] = [];
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline === undefined ? Infinity : deadline - performance.now();
      const perRequest = options.timeoutMs ?? httpLimits().requestTimeoutMs;
      const res: HttpResponse = await httpRequest({
        method,
        url: this.baseUrl + pathWithQuery,
        headers,
        json: options.json,
        raw: options.raw,
        timeoutMs: Math.max(1, Math.min(perRequest, remaining)),
      });
      waitedMs += res.ms;
      if (res.status === 429) {
        const hint = retryAfter(res.json, res.headers);
        const left = deadline === undefined ? Infinity : deadline - performance.now();
        const decision = decide429(hint, attempt, policy, left, options.retry429 ?? true);
        const event: RateLimitEvent = {
          method,
          path: pathWithQuery,
          attempt,
          ...(hint ? { askedMs: hint.ms } : {}),
          source: hint?.source ?? 'none',
          action: 'waitMs' in decision ? 'retried' : decision.action,
        };
        events.push(event);
        rateLimitStats.seen += 1;
        this.opts.onRateLimited?.(event);
        if ('waitMs' in decision) {
          rateLimitStats.retried += 1;
          rateLimitStats.waitedMs += decision.waitMs;
          // The server's own request, bounded by decide429: not a sleep standing in for an event.
          await wait(decision.waitMs);
          continue;
        }
      }
      const record: RequestRecord = {
        method,
        path: pathWithQuery,
        ...(options.actor && options.token ? { actor: options.actor } : {}),
        ...(options.raw !== undefined ? { body: options.raw } : options.json !== undefined ? { body: options.json } : {}),
        status: res.status,
        response: res.json ?? (res.text.length > 500 ? res.text.slice(0, 500) + '…' : res.text),
      };
      this.opts.onExchange?.(record, waitedMs);
      return { status: res.status, json: res.json, text: res.text, record, ms: res.ms, ...(events.length ? { rateLimited: events } : {}) };
    }
  }
}

export const enc = encodeURIComponent;

/** A registered user with the calls scenarios need. */
export class MatrixUser {
  constructor(
    readonly api: MatrixApi,
    readonly userId: string,
    readonly accessToken: string,
    readonly deviceId?: string,
    /** The scenario's name for this user, for transcripts. */
    readonly actor?: string,
  ) {}

  call(method: string, path: string, options: CallOptions = {}): Promise<ApiResult> {
    return this.api.call(method, path, { token: this.accessToken, ...(this.actor ? { actor: this.actor } : {}), ...options });
  }

  createRoom(body: Record<string, unknown>) {
    return this.call('POST', '/createRoom', { json: body });
  }
  join(roomId: string, body: Record<string, unknown> = {}) {
    return this.call('POST', `/join/${enc(roomId)}`, { json: body });
  }
  membership(roomId: string, action: 'leave' | 'invite' | 'kick' | 'ban' | 'unban', target?: string, reason?: string) {
    const body: Record<string, unknown> = {};
    if (target) body.user_id = target;
    if (reason) body.reason = reason;
    return this.call('POST', `/rooms/${enc(roomId)}/${action}`, { json: body });
  }
  sendEvent(roomId: string, type: string, content: unknown, txnId: string) {
    return this.call('PUT', `/rooms/${enc(roomId)}/send/${enc(type)}/${enc(txnId)}`, { json: content });
  }
  sendState(roomId: string, type: string, stateKey: string, content: unknown) {
    return this.call('PUT', `/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, { json: content });
  }
  sync(query: Record<string, string | undefined>, timeoutMs: number) {
    return this.call('GET', '/sync', { query, timeoutMs });
  }
}
