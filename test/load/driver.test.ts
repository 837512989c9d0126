// The load driver's bounds: 429 handling, the request cap and deadline, pacing, and the figures.
import { describe, it, expect, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MatrixApi, MatrixUser } from '../../src/client/matrix.ts';
import { BudgetExhausted, RunBudget, mapLimit, retryAfterMs } from '../../src/load/budget.ts';
import { pace } from '../../src/load/pace.ts';
import { cdf, overTime, percentile, summarise } from '../../src/load/stats.ts';

const policy = { maxRetries: 3, maxRetryAfterMs: 40, defaultRetryAfterMs: 10 };

describe('RunBudget.withRetry', () => {
  it('honours retry_after_ms, capped, and counts every 429', async () => {
    const budget = new RunBudget(100, performance.now() + 10_000, policy);
    const answers = [{ status: 429, json: { retry_after_ms: 20 } }, { status: 429, json: { retry_after_ms: 60_000 } }, { status: 200, json: {} }];
    const started = performance.now();
    const { res, attempts } = await budget.withRetry('POST /receipt', async () => answers.shift()!, (r) => retryAfterMs(r.json));
    expect(res.status).toBe(200);
    expect(attempts).toBe(3);
    expect(budget).toMatchObject({ requests: 3, rateLimited: 2, retryWaitMs: 60, rateLimitedBy: { 'POST /receipt': 2 } });
    // 20 ms asked, then 60 s asked and capped at 40 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('gives the 429 back after the last retry, or when the wait would pass the deadline', async () => {
    const budget = new RunBudget(100, performance.now() + 10_000, policy);
    const always = async () => ({ status: 429, json: {} });
    expect((await budget.withRetry('x', always, () => undefined)).attempts).toBe(4);
    const late = new RunBudget(100, performance.now() + 5, { ...policy, defaultRetryAfterMs: 1_000, maxRetryAfterMs: 1_000 });
    const { res, attempts } = await late.withRetry('x', always, () => undefined);
    expect([res.status, attempts]).toEqual([429, 1]);
  });

  it('takes a policy per call: set-up keeps waiting as long as the deadline allows', async () => {
    const budget = new RunBudget(100, performance.now() + 10_000, policy);
    let n = 0;
    const flaky = async () => ({ status: ++n <= 8 ? 429 : 200 });
    const { res, attempts } = await budget.withRetry('PUT /send', flaky, () => 1, { ...policy, maxRetries: 1_000 });
    expect([res.status, attempts, budget.rateLimited]).toEqual([200, 9, 8]);
  });

  it('refuses requests past the cap or the deadline', async () => {
    const budget = new RunBudget(2, performance.now() + 10_000, policy);
    const ok = async () => ({ status: 200 });
    await budget.withRetry('a', ok, () => undefined);
    await budget.withRetry('b', ok, () => undefined);
    await expect(budget.withRetry('c', ok, () => undefined)).rejects.toBeInstanceOf(BudgetExhausted);
    expect(budget.canTake()).toBe(false);
    const expired = new RunBudget(10, performance.now() - 1, policy);
    expect(() => expired.take('d')).toThrow(/deadline/);
  });

  it('reads retry_after_ms from the body, else Retry-After in seconds', () => {
    expect(retryAfterMs({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1500 })).toBe(1500);
    expect(retryAfterMs({}, { 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs(undefined, {})).toBeUndefined();
  });
});

describe('429 from a real HTTP server', () => {
  let server: Server;
  let hits = 0;
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a receipt answered 429 M_LIMIT_EXCEEDED twice is retried after the asked wait and accepted', async () => {
    server = createServer((req, res) => {
      hits += 1;
      res.setHeader('content-type', 'application/json');
      if (hits <= 2) {
        res.statusCode = 429;
        res.end(JSON.stringify({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 25 }));
      } else res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const api = new MatrixApi({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, rateLimit: { maxRetries: 0 } });
    const user = new MatrixUser(api, '@a:hs', 'token');
    const budget = new RunBudget(10, performance.now() + 10_000, policy);
    const { res, attempts } = await budget.withRetry('POST /receipt', () => user.call('POST', '/rooms/!r/receipt/m.read/$e', { json: {} }), (r) => retryAfterMs(r.json));
    expect([res.status, attempts, budget.rateLimited, budget.retryWaitMs]).toEqual([200, 3, 2, 50]);
  });
});

describe('pace', () => {
  it('starts items on schedule, one at a time per slot, within the in-flight cap', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ atMs: i * 5, slot: `s${i % 3}`, i }));
    const active = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const order: number[] = [];
    const started = performance.now();
    const result = await pace(items, { startAt: started, maxInFlight: 2, stop: () => null }, async (item) => {
      expect(active.get(item.slot) ?? 0).toBe(0);
      active.set(item.slot, 1);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      order.push(item.i);
      // Work that outlasts the gap between items, so the cap and the per-slot order both matter.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 12));
      inFlight -= 1;
      active.set(item.slot, 0);
    });
    expect(result).toMatchObject({ started: 12, notStarted: 0 });
    expect(maxInFlight).toBeLessThanOrEqual(2);
    for (const s of ['s0', 's1', 's2']) {
      const mine = order.filter((i) => `s${i % 3}` === s);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('stops starting items when told why, and counts the rest as not started', async () => {
    let asked = 0;
    let ran = 0;
    const items = Array.from({ length: 10 }, (_, i) => ({ atMs: 0, slot: `s${i}` }));
    const result = await pace(items, { startAt: performance.now(), maxInFlight: 4, stop: () => (asked++ >= 3 ? 'cap reached' : null) }, async () => {
      ran += 1;
    });
    expect(result).toMatchObject({ started: 3, notStarted: 7, stoppedEarly: 'cap reached' });
    expect(ran).toBe(3);
  });

  it('mapLimit keeps order and the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (v) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, v));
      running -= 1;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('latency figures', () => {
  it('nearest-rank percentiles report measured values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(v, 50), percentile(v, 95), percentile(v, 99), percentile(v, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([], 50)).toBeNull();
    expect(summarise([30, 10, 20])).toEqual({ count: 3, min: 10, mean: 20, p50: 20, p95: 30, p99: 30, max: 30 });
    expect(summarise([])).toMatchObject({ count: 0, p50: null, max: null });
  });

  it('the CDF is thinned, starts at the minimum and ends at 1 at the maximum', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i % 500) + 1);
    const points = cdf(values, 100);
    expect(points.length).toBeLessThanOrEqual(101);
    expect(points[0]![0]).toBe(1);
    expect(points.at(-1)).toEqual([500, 1]);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0]);
      expect(points[i]![1]).toBeGreaterThanOrEqual(points[i - 1]![1]);
    }
    expect(cdf([7])).toEqual([[7, 1]]);
    expect(cdf([])).toEqual([]);
  });

  it('over time groups samples by the second they were posted in', () => {
    const b = overTime([{ at: 100, ms: 10 }, { at: 900, ms: 30 }, { at: 2500, ms: 5 }]);
    expect(b).toEqual([{ t: 0, count: 2, p50: 10, p95: 30, max: 30 }, { t: 2, count: 1, p50: 5, p95: 5, max: 5 }]);
  });
});
