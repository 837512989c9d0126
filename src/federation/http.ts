// Minimal JSON-over-HTTP(S) client on node:http/node:https. Used instead of fetch/undici because X-Matrix
// signs the request path byte for byte: the path given here is put on the wire exactly as written.
// Every request has an overall deadline (connect, headers and body) and a cap on the response body.

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

export interface JsonResponse {
  status: number;
  /** Parsed JSON body, or the raw text when the body is not JSON, or undefined when empty. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface JsonRequestOptions {
  method: string;
  /** Base URL, e.g. `http://127.0.0.1:8008` (a trailing slash is ignored). */
  baseUrl: string;
  /** Raw path + query, already percent-encoded; sent verbatim. */
  path: string;
  headers?: Record<string, string>;
  /** JSON-serialised as is (callers that need canonical bytes pass a string). */
  body?: unknown;
  /** Deadline for the whole exchange, in ms (default 30 s). */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes (default 32 MiB; send_join answers for big rooms are large). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

// Self-signed certificates are the norm between test servers; never verify them here.
const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: false });

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** SNI carries a host name, never an IP literal; a `Host` header given by the caller wins over the URL. */
function tlsServername(url: URL, headers: Record<string, string>): string | undefined {
  const hostHeader = Object.entries(headers).find(([k]) => k.toLowerCase() === 'host')?.[1];
  const host = (hostHeader ?? url.host).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return isIP(host) ? undefined : host;
}

export function requestJson(opts: JsonRequestOptions): Promise<JsonResponse> {
  const url = new URL(opts.baseUrl);
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') return Promise.reject(new Error(`unsupported base URL ${opts.baseUrl}`));
  const prefix = url.pathname.replace(/\/+$/, '');
  const payload = opts.body === undefined ? undefined : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const what = `${opts.method} ${opts.baseUrl.replace(/\/+$/, '')}${opts.path}`;
  const servername = isHttps ? tlsServername(url, headers) : undefined;
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = (isHttps ? https : http).request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (isHttps ? 443 : 80),
        method: opts.method,
        path: prefix + opts.path,
        headers,
        ...(isHttps ? { agent: insecureAgent, ...(servername ? { servername } : {}) } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBody) req.destroy(new Error(`${what}: response body exceeds ${maxBody} bytes`));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')), headers: res.headers });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
