// Minimal JSON-over-HTTP(S) client on node:http/node:https. Used instead of fetch/undici because X-Matrix
// signs the request path byte for byte: the path given here is put on the wire exactly as written.

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { httpLimits, formatBytes, LimitExceeded } from '../client/limits.ts';

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
  /** Total deadline of the exchange (connect, headers and body); the process default otherwise. */
  timeoutMs?: number;
  /** Body cap in bytes; the process default otherwise. */
  maxBodyBytes?: number;
}

// Self-signed certificates are the norm between test servers; never verify them here.
const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: false });

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
  const payload =
    opts.body === undefined ? undefined : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const timeoutMs = opts.timeoutMs ?? httpLimits().requestTimeoutMs;
  const cap = opts.maxBodyBytes ?? httpLimits().maxBodyBytes;
  const what = `${opts.method} ${opts.baseUrl.replace(/\/+$/, '')}${opts.path}`;
  const servername = isHttps ? tlsServername(url, headers) : undefined;
  return new Promise<JsonResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    // req.setTimeout fires only on idle sockets; a server trickling bytes would never trip it.
    const timer = setTimeout(() => fail(new LimitExceeded('deadline', `${what}: timeout: no complete response within ${timeoutMs} ms (the deadline covers headers and body)`)), timeoutMs);
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
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > cap) {
          fail(new LimitExceeded('body', `${what}: response body of ${formatBytes(declared)} (content-length) exceeds the ${formatBytes(cap)} cap`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > cap) fail(new LimitExceeded('body', `${what}: response body exceeds the ${formatBytes(cap)} cap (status ${res.statusCode})`));
          else chunks.push(c);
        });
        res.on('error', (err) => fail(err));
        res.on('aborted', () => fail(new Error(`${what}: the server closed the connection mid-body`)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', (err) => fail(err));
    if (payload) req.write(payload);
    req.end();
  });
}
