// The HTTP clients bound every exchange: a total deadline over headers and body (a trickling
// server never trips an idle timeout) and a body cap (a server streaming gigabytes is cut off).
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRequest, TransportError, setHttpLimits, resetHttpLimits, httpLimits, parseByteSize } from '../src/client/http.ts';
import { requestJson } from '../src/federation/http.ts';

let server: Server;
let base: string;
const timers = new Set<NodeJS.Timeout>();
let bytesSent = 0;

function trickle(res: ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{');
  const t = setInterval(() => res.write(' '), everyMs);
  timers.add(t);
  res.on('close', () => clearInterval(t));
}

function stream(res: ServerResponse, total: number, declare: boolean): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', ...(declare ? { 'content-length': String(total) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = () => {
    while (bytesSent < total) {
      bytesSent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/trickle') return trickle(res, 100);
    if (url.pathname === '/huge') return stream(res, 200 * 1024 * 1024, false);
    if (url.pathname === '/huge-declared') return stream(res, 200 * 1024 * 1024, true);
    if (url.pathname === '/silent') return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  resetHttpLimits();
  bytesSent = 0;
});

async function failure(p: Promise<unknown>): Promise<{ err: TransportError | Error; ms: number }> {
  const started = performance.now();
  try {
    await p;
  } catch (err) {
    return { err: err as Error, ms: performance.now() - started };
  }
  throw new Error('expected the request to fail');
}

describe('client HTTP limits', () => {
  it('a trickling body hits the total deadline, not just an idle timeout', async () => {
    const { err, ms } = await failure(httpRequest({ method: 'GET', url: `${base}/trickle`, timeoutMs: 800 }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toBe(`${base}/trickle: timeout: no complete response within 800 ms (the deadline covers headers and body)`);
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(2_000);
  });

  it('a server that never answers hits the deadline too', async () => {
    const { err, ms } = await failure(httpRequest({ method: 'GET', url: `${base}/silent`, timeoutMs: 500 }));
    expect(err.message).toContain('no complete response within 500 ms');
    expect(ms).toBeLessThan(1_500);
  });

  it('the process default deadline applies when the caller gives none', async () => {
    setHttpLimits({ requestTimeoutMs: 400 });
    const { err } = await failure(httpRequest({ method: 'GET', url: `${base}/trickle` }));
    expect(err.message).toContain('within 400 ms');
  });

  it('a streamed body over the cap is cut off early, naming the URL and the cap', async () => {
    setHttpLimits({ maxBodyBytes: 1024 * 1024 });
    const { err, ms } = await failure(httpRequest({ method: 'GET', url: `${base}/huge` }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toBe(`${base}/huge: response body exceeds the 1 MiB cap (status 200)`);
    expect(ms).toBeLessThan(5_000);
    // The server was stopped long before its 200 MB (socket buffers allow a few MB).
    expect(bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('a declared content-length over the cap is refused before reading', async () => {
    const { err } = await failure(httpRequest({ method: 'GET', url: `${base}/huge-declared`, maxBodyBytes: 4096 }));
    expect(err.message).toBe(`${base}/huge-declared: response body of 200 MiB (content-length) exceeds the 4 KiB cap`);
  });

  it('the 200 MB body under the default cap never holds more than the cap in memory', async () => {
    expect(httpLimits().maxBodyBytes).toBe(32 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const { err } = await failure(httpRequest({ method: 'GET', url: `${base}/huge` }));
    expect(err.message).toContain('exceeds the 32 MiB cap');
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('messages are one line and redact credentials in the URL', async () => {
    const { err } = await failure(httpRequest({ method: 'GET', url: 'http://127.0.0.1:9/_matrix/client/v3/sync?access_token=planted-secret-1' }));
    expect(err.message).not.toContain('planted-secret-1');
    expect((err as TransportError).url).not.toContain('planted-secret-1');
    expect(err.message).toMatch(/^http:\/\/127\.0\.0\.1:9\/_matrix\/client\/v3\/sync\?access_token=<redacted>: .*ECONNREFUSED/);
    expect(err.message).not.toContain('\n');
  });

  it('ordinary responses still come back whole', async () => {
    const res = await httpRequest({ method: 'GET', url: `${base}/ok` });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });

  it('setters refuse nonsense and sizes parse with units', () => {
    expect(() => setHttpLimits({ requestTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => setHttpLimits({ maxBodyBytes: -1 })).toThrow(RangeError);
    expect(parseByteSize('200MB')).toBe(200 * 1024 * 1024);
    expect(parseByteSize('512k')).toBe(512 * 1024);
    expect(parseByteSize('1048576')).toBe(1024 * 1024);
    expect(parseByteSize('lots')).toBeUndefined();
  });
});

describe('federation HTTP limits', () => {
  it('a trickling body hits the total deadline', async () => {
    const { err, ms } = await failure(requestJson({ method: 'GET', baseUrl: base, path: '/trickle', timeoutMs: 600 }));
    expect(err.message).toBe(`GET ${base}/trickle: timeout: no complete response within 600 ms (the deadline covers headers and body)`);
    expect(ms).toBeLessThan(2_000);
  });

  it('a streamed body over the cap is cut off', async () => {
    const { err } = await failure(requestJson({ method: 'GET', baseUrl: base, path: '/huge', maxBodyBytes: 1024 * 1024 }));
    expect(err.message).toBe(`GET ${base}/huge: response body exceeds the 1 MiB cap (status 200)`);
    expect(bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('a declared content-length over the cap is refused', async () => {
    const { err } = await failure(requestJson({ method: 'GET', baseUrl: base, path: '/huge-declared', maxBodyBytes: 1024 }));
    expect(err.message).toContain('exceeds the 1 KiB cap');
  });

  it('ordinary responses still come back whole', async () => {
    const res = await requestJson({ method: 'GET', baseUrl: base, path: '/ok' });
    expect(res.body).toEqual({ ok: true });
  });
});
