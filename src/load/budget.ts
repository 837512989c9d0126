// The bounds of one target's run: a request count and a deadline that every request passes
// through, and the one place where a 429 is honoured (the server asks for a wait; the wait is
// capped and never runs past the deadline).
import { setTimeout as delay } from 'node:timers/promises';

export class BudgetExhausted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExhausted';
  }
}

export interface RetryPolicy {
  /** Attempts after the first 429 before the 429 is returned as the answer. */
  maxRetries: number;
  /** Upper bound on one server-requested wait. */
  maxRetryAfterMs: number;
  /** Used when a 429 names no wait. */
  defaultRetryAfterMs: number;
}

// Synapse's stock join limit asks for 10 s between joins past the burst; 30 s covers it, and
// the run's deadline bounds the total.
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, maxRetryAfterMs: 30_000, defaultRetryAfterMs: 1_000 };

/**
 * Set-up may be rate limited for minutes on a stock server (per-user message and join limits);
 * it keeps waiting as asked, bounded by the run's deadline rather than by a count.
 */
export const SETUP_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxRetries: 1_000 };

export class RunBudget {
  requests = 0;
  /** Responses with status 429, in all and by what was being done. */
  rateLimited = 0;
  readonly rateLimitedBy: Record<string, number> = {};
  /** Milliseconds spent waiting because a server asked for it. */
  retryWaitMs = 0;
  /** Requests that got no HTTP response at all. */
  transportErrors = 0;

  constructor(
    readonly maxRequests: number,
    /** Absolute, on the performance.now() clock. */
    readonly deadline: number,
    readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  remainingMs(): number {
    return this.deadline - performance.now();
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** Counts one request; throws once the cap or the deadline is reached. */
  take(what: string): void {
    if (this.requests >= this.maxRequests) throw new BudgetExhausted(`request cap of ${this.maxRequests} reached before ${what}`);
    if (this.expired()) throw new BudgetExhausted(`run deadline passed before ${what}`);
    this.requests += 1;
  }

  /** Whether another request may be made, without counting one. */
  canTake(): boolean {
    return this.requests < this.maxRequests && !this.expired();
  }

  /**
   * Runs `attempt` (one request) until it answers something other than 429, honouring the
   * server's retry_after_ms within the policy. Returns the last response and the attempts made.
   */
  async withRetry<T extends { status: number }>(what: string, attempt: () => Promise<T>, retryAfterOf: (res: T) => number | undefined, policy: RetryPolicy = this.retry): Promise<{ res: T; attempts: number }> {
    for (let attempts = 1; ; attempts++) {
      this.take(what);
      let res: T;
      try {
        res = await attempt();
      } catch (err) {
        this.transportErrors += 1;
        throw err;
      }
      if (res.status !== 429) return { res, attempts };
      this.rateLimited += 1;
      this.rateLimitedBy[what] = (this.rateLimitedBy[what] ?? 0) + 1;
      const asked = retryAfterOf(res);
      const wait = Math.min(policy.maxRetryAfterMs, Math.max(0, asked ?? policy.defaultRetryAfterMs));
      if (attempts > policy.maxRetries || wait >= this.remainingMs()) return { res, attempts };
      // The server asked for this wait (M_LIMIT_EXCEEDED); it is bounded above and by the deadline.
      await delay(wait);
      this.retryWaitMs += wait;
    }
  }
}

/** retry_after_ms from a Matrix error body, or from a Retry-After header in seconds. */
export function retryAfterMs(body: unknown, headers?: Record<string, string | string[] | undefined>): number | undefined {
  const fromBody = (body as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody)) return fromBody;
  const header = headers?.['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && header !== undefined ? seconds * 1000 : undefined;
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with the first error. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
