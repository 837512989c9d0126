// From findings to a status. The scenario's strength decides what a mismatch becomes (Autobahn's
// scale): a broken MUST fails, an unmet SHOULD is non-strict, an absent MAY is unsupported, and
// INFO only records what was seen.
import type { Finding, Level, Status } from '../model.ts';

const RANK: Record<Status, number> = { skip: 0, pass: 1, info: 2, unsupported: 3, 'non-strict': 4, fail: 5, error: 6 };

export function statusForLevel(level: Level): Status {
  switch (level) {
    case 'MUST':
      return 'fail';
    case 'SHOULD':
      return 'non-strict';
    case 'MAY':
      return 'unsupported';
    case 'INFO':
      return 'info';
  }
}

export function worst(a: Status, b: Status): Status {
  return RANK[a] >= RANK[b] ? a : b;
}

export function verdictOf(scenarioLevel: Level, findings: Finding[]): Status {
  let status: Status = scenarioLevel === 'INFO' ? 'info' : 'pass';
  for (const f of findings) if (f.level !== 'INFO') status = worst(status, statusForLevel(f.level));
  return status;
}

/** The status a scenario has when the expectations file says nothing about it. */
export function defaultExpected(level: Level): Status {
  return level === 'INFO' ? 'info' : 'pass';
}
