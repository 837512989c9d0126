// 429 M_LIMIT_EXCEEDED: the server asks the client to come back later. The suite waits exactly as
// long as the server asks (retry_after_ms in the body, else the Retry-After header), within
// bounds: no single wait above a cap, a few retries at most, never past the caller's deadline.
// A 429 without any hint is returned as it is: inventing a back-off would be a sleep.

export interface RateLimitPolicy {
  /** Retries after the first 429 of one call. */
  maxRetries: number;
  /** The longest single wait the suite accepts; a server asking for more gets its 429 back. */
  maxWaitMs: number;
}

export const DEFAULT_RATE_LIMIT: Readonly<RateLimitPolicy> = Object.freeze({ maxRetries: 3, maxWaitMs: 10_000 });

/** One 429 seen by the client, with what was done about it. */
export interface RateLimitEvent {
  method: string;
  /** Path and query, as in request records. */
  path: string;
  /** 1 for the first 429 of this call, 2 for the second… */
  attempt: number;
  /** What the server asked for, in ms; undefined when it gave no hint. */
  askedMs?: number;
  source: 'retry_after_ms' | 'Retry-After' | 'none';
  /** Whether the call waited and retried, and if not, why. */
  action: 'retried' | 'no-hint' | 'wait-over-cap' | 'past-deadline' | 'retries-exhausted' | 'retry-disabled';
}

/** How long the server asked to wait, from the JSON body first, then the Retry-After header. */
export function retryAfter(json: unknown, headers: Record<string, string>, now = Date.now()): { ms: number; source: RateLimitEvent['source'] } | undefined {
  const fromBody = (json as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0) return { ms: Math.ceil(fromBody), source: 'retry_after_ms' };
  const header = headers['retry-after'];
  if (header !== undefined) {
    const trimmed = header.trim();
    if (/^\d+$/.test(trimmed)) return { ms: Number(trimmed) * 1000, source: 'Retry-After' };
    const date = Date.parse(trimmed);
    if (Number.isFinite(date)) return { ms: Math.max(0, date - now), source: 'Retry-After' };
  }
  return undefined;
}

/**
 * Decides what to do with the `attempt`-th 429 of a call: the wait in ms, or the reason not to
 * retry. `remainingMs` is the time left before the caller's deadline (Infinity without one).
 */
export function decide429(
  hint: { ms: number } | undefined,
  attempt: number,
  policy: RateLimitPolicy,
  remainingMs: number,
  retry: boolean,
): { waitMs: number } | { action: Exclude<RateLimitEvent['action'], 'retried'> } {
  if (!retry) return { action: 'retry-disabled' };
  if (!hint) return { action: 'no-hint' };
  if (attempt > policy.maxRetries) return { action: 'retries-exhausted' };
  if (hint.ms > policy.maxWaitMs) return { action: 'wait-over-cap' };
  // The retry itself needs time to be answered too; a wait that uses up the deadline is pointless.
  if (hint.ms >= remainingMs) return { action: 'past-deadline' };
  return { waitMs: hint.ms };
}

/** Process-wide count of 429s, for the report when no per-call hook is set. */
export const rateLimitStats = { seen: 0, retried: 0, waitedMs: 0 };
