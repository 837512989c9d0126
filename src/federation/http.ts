// Minimal JSON-over-HTTP(S) client on node:http/node:https. Used instead of fetch/undici because X-Matrix
// signs the request path byte for byte: the path given here is put on the wire exactly as written.

import http from 'node:http';
import https from 'node:https';

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
  timeoutMs?: number;
}

// Self-signed certificates are the norm between test servers; never verify them here.
const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: false });

export function requestJson(opts: JsonRequestOptions): Promise<JsonResponse> {
  const url = new URL(opts.baseUrl);
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') throw new Error(`unsupported base URL ${opts.baseUrl}`);
  const prefix = url.pathname.replace(/\/+$/, '');
  const payload =
    opts.body === undefined ? undefined : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = (isHttps ? https : http).request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (isHttps ? 443 : 80),
        method: opts.method,
        path: prefix + opts.path,
        headers,
        ...(isHttps ? { agent: insecureAgent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
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
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${opts.method} ${opts.baseUrl}${opts.path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
