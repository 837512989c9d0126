// One keep-alive connection pool per process: scenarios run concurrently against one target,
// and reusing sockets keeps the harness's own overhead small next to the server's.
import { Agent, request as undiciRequest } from 'undici';

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });

export interface HttpRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  /** A JSON value to send, or a raw string body sent as-is. */
  json?: unknown;
  raw?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

/** Thrown when no HTTP response came back at all: refused, reset, timed out. */
export class TransportError extends Error {
  constructor(readonly url: string, override readonly cause: unknown) {
    super(`${url}: ${describeCause(cause)}`);
    this.name = 'TransportError';
  }
}

export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  const inner = (err as { cause?: unknown }).cause;
  const innerText = inner instanceof Error ? ` (${(inner as { code?: string }).code ?? inner.message})` : '';
  return `${code ? code + ': ' : ''}${err.message}${innerText}`;
}

/** Time spent waiting for responses in this process; the benchmark subtracts it from wall time. */
export const httpClock = { ms: 0, requests: 0 };

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  let body: string | undefined;
  if (req.raw !== undefined) body = req.raw;
  else if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const timeout = req.timeoutMs ?? 30_000;
  try {
    const res = await undiciRequest(req.url, {
      method: req.method as 'GET',
      headers,
      body,
      dispatcher: agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    const ms = performance.now() - started;
    httpClock.ms += ms;
    httpClock.requests += 1;
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, text, json, ms };
  } catch (err) {
    httpClock.ms += performance.now() - started;
    throw new TransportError(req.url, err);
  }
}

export async function closeHttp(): Promise<void> {
  await agent.close();
}
