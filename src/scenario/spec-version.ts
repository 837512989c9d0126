// Spec versions in release order: r0.x.y (2015-2020), then v1.1 onwards.

/** A sortable key: r0.a.b sorts before every v1.x. */
export function versionKey(v: string): number {
  const r0 = /^r0\.(\d+)\.(\d+)$/.exec(v);
  if (r0) return Number(r0[1]) * 100 + Number(r0[2]);
  const v1 = /^v1\.(\d+)$/.exec(v);
  if (v1) return 100_000 + Number(v1[1]);
  throw new Error(`not a spec version: ${v} (expected v1.N or r0.N.N)`);
}

/** Whether a rule introduced in `since` (and removed in `until`, exclusive) holds in `version`. */
export function inRange(version: string, since: string, until?: string): boolean {
  const k = versionKey(version);
  return k >= versionKey(since) && (until === undefined || k < versionKey(until));
}
