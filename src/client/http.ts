// One keep-alive connection pool per process: scenarios run concurrently against one target,
// and reusing sockets keeps the harness's own overhead small next to the server's.
// Every exchange is bounded (see limits.ts): a total deadline and a body cap.
import { Agent, request as undiciRequest } from 'undici';
import { httpLimits, formatBytes, LimitExceeded } from './limits.ts';
import { redact } from '../safety/redaction.ts';
import { stripControls } from '../safety/terminal.ts';

export { setHttpLimits, httpLimits, resetHttpLimits, parseByteSize, LimitExceeded } from './limits.ts';

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });

export interface HttpRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  /** A JSON value to send, or a raw string body sent as-is. */
  json?: unknown;
  raw?: string;
  /** Total deadline of the exchange (headers and body), in ms; the process default otherwise. */
  timeoutMs?: number;
  /** Body cap in bytes; the process default otherwise. */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

/**
 * Thrown when no usable HTTP response came back: refused, reset, past its deadline, or a body over
 * the cap. The message is one line, URL then cause, with secrets in the URL redacted.
 */
export class TransportError extends Error {
  readonly url: string;
  constructor(url: string, override readonly cause: unknown) {
    super(`${redact(url)}: ${describeCause(cause)}`);
    this.url = redact(url);
    this.name = 'TransportError';
  }
}

/** One printable line naming what went wrong, with the error code when there is one. */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return oneLine(String(err));
  if (err instanceof LimitExceeded) return oneLine(err.message);
  const code = (err as { code?: string }).code;
  const inner = (err as { cause?: unknown }).cause;
  const innerText = inner instanceof Error ? ` (${(inner as { code?: string }).code ?? inner.message})` : '';
  return oneLine(`${code ? code + ': ' : ''}${err.message}${innerText}`);
}

function oneLine(text: string): string {
  return stripControls(redact(text.replace(/\s*\n\s*/g, ' ')));
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
  const timeout = Math.max(1, req.timeoutMs ?? httpLimits().requestTimeoutMs);
  const cap = req.maxBodyBytes ?? httpLimits().maxBodyBytes;
  // undici's own timeouts fire only on idle gaps; this one bounds the whole exchange.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new LimitExceeded('deadline', `timeout: no complete response within ${timeout} ms (the deadline covers headers and body)`)), timeout);
  try {
    const res = await undiciRequest(req.url, {
      method: req.method as 'GET',
      headers,
      body,
      dispatcher: agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: controller.signal,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      res.body.destroy();
      throw new LimitExceeded('body', `response body of ${formatBytes(declared)} (content-length) exceeds the ${formatBytes(cap)} cap`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > cap) {
        res.body.destroy();
        throw new LimitExceeded('body', `response body exceeds the ${formatBytes(cap)} cap (status ${res.statusCode})`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks, size).toString('utf8');
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
    // An abort surfaces as undici's own error; the reason says which limit it was.
    const cause = controller.signal.aborted && !(err instanceof LimitExceeded) ? controller.signal.reason : err;
    throw new TransportError(req.url, cause);
  } finally {
    clearTimeout(timer);
  }
}

export async function closeHttp(): Promise<void> {
  await agent.close();
}
