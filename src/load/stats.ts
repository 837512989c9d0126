// Latency figures: nearest-rank percentiles (every reported value is one that was measured),
// a CDF thinned to a plottable number of points, and per-second buckets for "over time".

export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface TimeBucket {
  /** Start of the bucket, in seconds after posting began. */
  t: number;
  count: number;
  p50: number;
  p95: number;
  max: number;
}

/** A latency sample: when the receipt was posted (ms after posting began) and how long it took. */
export interface Sample {
  at: number;
  ms: number;
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : null;
  return {
    count: n,
    min: round(n ? sorted[0]! : null),
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(n ? sorted[n - 1]! : null),
  };
}

/**
 * The empirical CDF as [latency ms, fraction ≤ it] pairs, at most `points` of them (always the
 * minimum and maximum), so a plot of 50 000 samples stays small.
 */
export function cdf(values: readonly number[], points = 200): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const out: [number, number][] = [];
  const step = Math.max(1, n / points);
  let last = -1;
  for (let k = 0; ; k++) {
    const i = Math.min(n - 1, Math.round(k * step + step - 1));
    if (i !== last) {
      // Ties: the fraction at a value counts every sample equal to it.
      let j = i;
      while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
      const pair: [number, number] = [round(sorted[i]!)!, Math.round(((j + 1) / n) * 10_000) / 10_000];
      if (!out.length || out[out.length - 1]![0] !== pair[0]) out.push(pair);
      last = i;
    }
    if (i === n - 1) break;
  }
  const first: [number, number] = [round(sorted[0]!)!, Math.round((sorted.lastIndexOf(sorted[0]!) + 1) / n * 10_000) / 10_000];
  if (out[0]![0] !== first[0]) out.unshift(first);
  return out;
}

/** Samples grouped by the second they were posted in. */
export function overTime(samples: readonly Sample[], bucketMs = 1000): TimeBucket[] {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    const b = Math.max(0, Math.floor(s.at / bucketMs));
    const list = buckets.get(b) ?? [];
    list.push(s.ms);
    buckets.set(b, list);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, list]) => {
      const sorted = list.sort((x, y) => x - y);
      return { t: (b * bucketMs) / 1000, count: sorted.length, p50: round(percentile(sorted, 50))!, p95: round(percentile(sorted, 95))!, max: round(sorted[sorted.length - 1]!)! };
    });
}
