// Every request the suite makes has a deadline covering the whole exchange (connect, headers and
// body) and a cap on the body it will hold in memory. A server that trickles a byte every few
// seconds never trips an idle timeout, and one that streams gigabytes would exhaust memory, so
// neither can be left to the HTTP library's defaults. The CLI sets these from its options.

export interface HttpLimits {
  /** Default total deadline of one request, in ms, when the caller gives none. */
  requestTimeoutMs: number;
  /** Largest response body held in memory, in bytes. */
  maxBodyBytes: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  requestTimeoutMs: 30_000,
  // Far above any response the scenarios provoke (an initial sync of a test account is a few KB),
  // and far below what would strain the machine.
  maxBodyBytes: 32 * 1024 * 1024,
});

const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS };

export function httpLimits(): Readonly<HttpLimits> {
  return limits;
}

/** Sets the process-wide defaults (the CLI's --request-timeout and --max-body). */
export function setHttpLimits(next: Partial<HttpLimits>): void {
  if (next.requestTimeoutMs !== undefined) {
    if (!Number.isFinite(next.requestTimeoutMs) || next.requestTimeoutMs <= 0) throw new RangeError(`request timeout must be a positive number of ms, got ${next.requestTimeoutMs}`);
    limits.requestTimeoutMs = next.requestTimeoutMs;
  }
  if (next.maxBodyBytes !== undefined) {
    if (!Number.isInteger(next.maxBodyBytes) || next.maxBodyBytes <= 0) throw new RangeError(`body cap must be a positive number of bytes, got ${next.maxBodyBytes}`);
    limits.maxBodyBytes = next.maxBodyBytes;
  }
}

export function resetHttpLimits(): void {
  Object.assign(limits, DEFAULT_HTTP_LIMITS);
}

/** "32 MiB", "512 KiB", "17 bytes": for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * Parses a size option: a byte count, or a number with a unit (k, KB, KiB, M, MB, MiB, G, GiB;
 * every unit is binary). Returns undefined when the text is not a size.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.floor(Number(m[1]) * unit);
  return n > 0 ? n : undefined;
}

/** Why an exchange was abandoned although the server may have started answering. */
export class LimitExceeded extends Error {
  constructor(readonly kind: 'deadline' | 'body', message: string) {
    super(message);
    this.name = 'LimitExceeded';
  }
}
