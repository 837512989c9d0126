// A thin client-server API client. Every call returns the status and body instead of throwing,
// because error responses are often the thing under test.
import { httpRequest, type HttpResponse } from './http.ts';
import type { RequestRecord } from '../model.ts';

export interface ApiResult {
  status: number;
  json: any;
  text: string;
  record: RequestRecord;
  ms: number;
}

export interface ClientOptions {
  baseUrl: string;
  /** `v3` by default; `r0` for servers that predate spec v1.1. */
  pathVersion?: 'v3' | 'r0';
  /** Called with each exchange and the milliseconds it took, for per-scenario accounting. */
  onExchange?: (record: RequestRecord, ms: number) => void;
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

  async call(method: string, path: string, options: { token?: string | null; json?: unknown; raw?: string; contentType?: string; query?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<ApiResult> {
    const fullPath = path.startsWith('/_') ? path : this.prefix + path;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) qs.set(k, v);
    const pathWithQuery = qs.size ? `${fullPath}?${qs}` : fullPath;
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.contentType) headers['content-type'] = options.contentType;
    const res: HttpResponse = await httpRequest({
      method,
      url: this.baseUrl + pathWithQuery,
      headers,
      json: options.json,
      raw: options.raw,
      timeoutMs: options.timeoutMs,
    });
    const record: RequestRecord = {
      method,
      path: pathWithQuery,
      ...(options.raw !== undefined ? { body: options.raw } : options.json !== undefined ? { body: options.json } : {}),
      status: res.status,
      response: res.json ?? (res.text.length > 500 ? res.text.slice(0, 500) + '…' : res.text),
    };
    this.opts.onExchange?.(record, res.ms);
    return { status: res.status, json: res.json, text: res.text, record, ms: res.ms };
  }
}

export const enc = encodeURIComponent;

/** A registered user with the calls scenarios need. */
export class MatrixUser {
  constructor(readonly api: MatrixApi, readonly userId: string, readonly accessToken: string, readonly deviceId?: string) {}

  call(method: string, path: string, options: Parameters<MatrixApi['call']>[2] = {}): Promise<ApiResult> {
    return this.api.call(method, path, { token: this.accessToken, ...options });
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
