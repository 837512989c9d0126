// Compares two compliance reports, target by target: what got worse (regressions, most severe
// first), what got better (fixes), scenarios added or removed, and status changes that are
// neither (a scenario now skipped, INFO recorded as pass). Only ids, statuses and levels are read,
// so reports from older or newer versions of the suite compare as long as those hold.

/** The part of a compliance report the comparison reads. */
export interface DiffScenario {
  id: string;
  title?: string;
  status: string;
  level?: string;
}
export interface DiffTarget {
  id: string;
  software?: { name: string; version: string } | null;
  scenarios: DiffScenario[];
}
export interface DiffReport {
  generatedAt?: string;
  suite?: { version?: string };
  spec?: { version?: string };
  targets: DiffTarget[];
}

/**
 * How bad a status is for conformance; null for statuses that are no verdict on the server
 * (skip: not run). error, and blocked, its planned sibling, hide a verdict, so reaching them
 * from a verdict counts as a regression: a CI gate should fail closed.
 */
const BADNESS: Record<string, number | null> = { pass: 0, info: 0, skip: null, unsupported: 1, 'non-strict': 2, error: 3, blocked: 3, fail: 4 };
const LEVEL_WEIGHT: Record<string, number> = { MUST: 3, SHOULD: 2, MAY: 1, INFO: 0 };

function badness(status: string): number | null {
  return BADNESS[status] ?? null;
}

export interface Change {
  id: string;
  title?: string;
  level?: string;
  was: string;
  now: string;
}
export interface Present {
  id: string;
  title?: string;
  level?: string;
  status: string;
}

export interface TargetDiff {
  /** The target id in the old and the new report (equal unless the only targets were paired). */
  oldId: string;
  newId: string;
  regressions: Change[];
  fixes: Change[];
  added: Present[];
  removed: Present[];
  other: Change[];
  unchanged: number;
}

export interface ReportDiff {
  targets: TargetDiff[];
  /** Targets present on one side only, by id. */
  onlyOld: string[];
  onlyNew: string[];
  totals: { regressions: number; fixes: number; added: number; removed: number; other: number; unchanged: number };
}

/** Most severe first: by how bad the new status is, then the scenario's level, then id. */
function bySeverity(now: (c: Change) => string) {
  return (a: Change, b: Change) =>
    (badness(now(b)) ?? 0) - (badness(now(a)) ?? 0) ||
    (LEVEL_WEIGHT[b.level ?? ''] ?? 0) - (LEVEL_WEIGHT[a.level ?? ''] ?? 0) ||
    a.id.localeCompare(b.id);
}

export function diffTarget(oldT: DiffTarget, newT: DiffTarget): TargetDiff {
  const before = new Map(oldT.scenarios.map((s) => [s.id, s]));
  const after = new Map(newT.scenarios.map((s) => [s.id, s]));
  const d: TargetDiff = { oldId: oldT.id, newId: newT.id, regressions: [], fixes: [], added: [], removed: [], other: [], unchanged: 0 };
  for (const n of newT.scenarios) {
    const o = before.get(n.id);
    if (!o) {
      d.added.push({ id: n.id, title: n.title, level: n.level, status: n.status });
      continue;
    }
    if (o.status === n.status) {
      d.unchanged += 1;
      continue;
    }
    const change: Change = { id: n.id, title: n.title ?? o.title, level: n.level ?? o.level, was: o.status, now: n.status };
    const [b0, b1] = [badness(o.status), badness(n.status)];
    if (b0 === null || b1 === null || b0 === b1) d.other.push(change);
    else if (b1 > b0) d.regressions.push(change);
    else d.fixes.push(change);
  }
  for (const o of oldT.scenarios) if (!after.has(o.id)) d.removed.push({ id: o.id, title: o.title, level: o.level, status: o.status });
  d.regressions.sort(bySeverity((c) => c.now));
  d.fixes.sort(bySeverity((c) => c.was));
  d.other.sort((a, b) => a.id.localeCompare(b.id));
  d.added.sort((a, b) => a.id.localeCompare(b.id));
  d.removed.sort((a, b) => a.id.localeCompare(b.id));
  return d;
}

/**
 * Targets are matched by id. When each report has exactly one target left unmatched, those two
 * are compared with each other: the same server under a new port (a URL target is named by its
 * host), or one implementation against another.
 */
export function diffReports(oldR: DiffReport, newR: DiffReport): ReportDiff {
  const newIds = new Set(newR.targets.map((t) => t.id));
  const oldIds = new Set(oldR.targets.map((t) => t.id));
  const pairs: [DiffTarget, DiffTarget][] = [];
  for (const o of oldR.targets) {
    const n = newR.targets.find((t) => t.id === o.id);
    if (n) pairs.push([o, n]);
  }
  let onlyOld = oldR.targets.filter((t) => !newIds.has(t.id));
  let onlyNew = newR.targets.filter((t) => !oldIds.has(t.id));
  if (onlyOld.length === 1 && onlyNew.length === 1) {
    pairs.push([onlyOld[0]!, onlyNew[0]!]);
    onlyOld = [];
    onlyNew = [];
  }
  const targets = pairs.map(([o, n]) => diffTarget(o, n));
  const sum = (f: (t: TargetDiff) => number) => targets.reduce((acc, t) => acc + f(t), 0);
  return {
    targets,
    onlyOld: onlyOld.map((t) => t.id),
    onlyNew: onlyNew.map((t) => t.id),
    totals: {
      regressions: sum((t) => t.regressions.length),
      fixes: sum((t) => t.fixes.length),
      added: sum((t) => t.added.length),
      removed: sum((t) => t.removed.length),
      other: sum((t) => t.other.length),
      unchanged: sum((t) => t.unchanged),
    },
  };
}
