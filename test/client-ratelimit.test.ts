// 429 M_LIMIT_EXCEEDED: the client waits what the server asks, within bounds, and reports every 429.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MatrixApi, type RateLimitEvent } from '../src/client/matrix.ts';
import { retryAfter, decide429, DEFAULT_RATE_LIMIT } from '../src/client/rate-limit.ts';

/** The fake answers 429 `limited` times with the given hint, then 200. */
const plan = { limited: 0, body: {} as Record<string, unknown>, headers: {} as Record<string, string> };
const arrivals: number[] = [];
let server: Server;
let api: MatrixApi;
let events: RateLimitEvent[];

beforeAll(async () => {
  server = createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    req.on('end', () => {
      if (plan.limited > 0) {
        plan.limited -= 1;
        res.writeHead(429, { 'content-type': 'application/json', ...plan.headers });
        res.end(JSON.stringify({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', ...plan.body }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(() => new Promise((r) => server.close(r)));

beforeEach(() => {
  arrivals.length = 0;
  events = [];
  plan.headers = {};
  plan.body = {};
  api = new MatrixApi({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, onRateLimited: (e) => events.push(e) });
});

describe('429 handling', () => {
  it("honours the body's retry_after_ms, then succeeds", async () => {
    plan.limited = 2;
    plan.body = { retry_after_ms: 300 };
    const started = performance.now();
    const res = await api.call('GET', '/thing');
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(arrivals).toHaveLength(3);
    // Each retry came no earlier than asked, and not much later.
    for (let i = 1; i < arrivals.length; i++) {
      const gap = arrivals[i]! - arrivals[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(295);
      expect(gap).toBeLessThan(800);
    }
    expect(ms).toBeLessThan(2_000);
    expect(events.map((e) => [e.attempt, e.askedMs, e.source, e.action])).toEqual([
      [1, 300, 'retry_after_ms', 'retried'],
      [2, 300, 'retry_after_ms', 'retried'],
    ]);
    expect(res.rateLimited).toHaveLength(2);
  });

  it('falls back to the Retry-After header (seconds)', async () => {
    plan.limited = 1;
    plan.headers = { 'retry-after': '1' };
    const res = await api.call('GET', '/thing');
    expect(res.status).toBe(200);
    const gap = arrivals[1]! - arrivals[0]!;
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(gap).toBeLessThan(1_600);
    expect(events[0]).toMatchObject({ source: 'Retry-After', askedMs: 1000, action: 'retried' });
  });

  it('gives up after the retry bound and returns the 429', async () => {
    plan.limited = 100;
    plan.body = { retry_after_ms: 50 };
    const res = await api.call('GET', '/thing');
    expect(res.status).toBe(429);
    expect(arrivals).toHaveLength(DEFAULT_RATE_LIMIT.maxRetries + 1);
    expect(events.map((e) => e.action)).toEqual(['retried', 'retried', 'retried', 'retries-exhausted']);
    plan.limited = 0;
  });

  it('does not wait when the server asks for more than the cap', async () => {
    plan.limited = 1;
    plan.body = { retry_after_ms: 60_000 };
    const started = performance.now();
    const res = await api.call('GET', '/thing');
    expect(res.status).toBe(429);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(events).toEqual([expect.objectContaining({ askedMs: 60_000, action: 'wait-over-cap' })]);
  });

  it("never waits past the caller's deadline", async () => {
    plan.limited = 1;
    plan.body = { retry_after_ms: 2_000 };
    const started = performance.now();
    const res = await api.call('GET', '/thing', { deadline: performance.now() + 500 });
    expect(res.status).toBe(429);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(events[0]?.action).toBe('past-deadline');
  });

  it('retry429: false returns the first 429, which may be the thing under test', async () => {
    plan.limited = 1;
    plan.body = { retry_after_ms: 10 };
    const res = await api.call('GET', '/thing', { retry429: false });
    expect(res.status).toBe(429);
    expect(res.json.errcode).toBe('M_LIMIT_EXCEEDED');
    expect(arrivals).toHaveLength(1);
    expect(events[0]?.action).toBe('retry-disabled');
    plan.limited = 0;
  });

  it('a 429 without any hint is returned, not retried after an invented wait', async () => {
    plan.limited = 1;
    const res = await api.call('GET', '/thing');
    expect(res.status).toBe(429);
    expect(arrivals).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'none', action: 'no-hint' });
    plan.limited = 0;
  });

  it('the bounds are configurable per client', async () => {
    const strict = new MatrixApi({ ...api.opts, rateLimit: { maxRetries: 1, maxWaitMs: 100 } });
    plan.limited = 5;
    plan.body = { retry_after_ms: 20 };
    const res = await strict.call('GET', '/thing');
    expect(res.status).toBe(429);
    expect(arrivals).toHaveLength(2);
    plan.limited = 0;
  });
});

describe('retryAfter and decide429', () => {
  it('reads the body first, then the header as seconds or a date', () => {
    expect(retryAfter({ retry_after_ms: 1234.2 }, { 'retry-after': '9' })).toEqual({ ms: 1235, source: 'retry_after_ms' });
    expect(retryAfter({}, { 'retry-after': '2' })).toEqual({ ms: 2000, source: 'Retry-After' });
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfter(undefined, { 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now)).toEqual({ ms: 3000, source: 'Retry-After' });
    expect(retryAfter({ retry_after_ms: -5 }, {})).toBeUndefined();
    expect(retryAfter({ retry_after_ms: 'soon' }, { 'retry-after': 'whenever' })).toBeUndefined();
  });

  it('decides within every bound', () => {
    const p = { maxRetries: 2, maxWaitMs: 1000 };
    expect(decide429({ ms: 10 }, 1, p, Infinity, true)).toEqual({ waitMs: 10 });
    expect(decide429({ ms: 10 }, 3, p, Infinity, true)).toEqual({ action: 'retries-exhausted' });
    expect(decide429({ ms: 1001 }, 1, p, Infinity, true)).toEqual({ action: 'wait-over-cap' });
    expect(decide429({ ms: 500 }, 1, p, 400, true)).toEqual({ action: 'past-deadline' });
    expect(decide429(undefined, 1, p, Infinity, true)).toEqual({ action: 'no-hint' });
    expect(decide429({ ms: 10 }, 1, p, Infinity, false)).toEqual({ action: 'retry-disabled' });
  });
});
