// The verdict vocabulary, in one place: levels, statuses, their rank, what a level makes of a
// broken check, the legend and the marks. The runner, the collector and every reporter read it.

/**
 * How strongly the spec asks for something. MUST, SHOULD and MAY are the spec's prose words
 * (RFC 2119); API is a contract that only the API description states (a status code, an errcode,
 * a schema); INFO is behaviour the spec leaves open, recorded for comparison.
 */
export const LEVELS = ['MUST', 'API', 'SHOULD', 'MAY', 'INFO'] as const;
export type Level = (typeof LEVELS)[number];

/** Verdicts, on Autobahn's scale, plus WPT's precondition failure (`blocked`). */
export const STATUSES = ['pass', 'fail', 'non-strict', 'info', 'unsupported', 'blocked', 'skip', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** Severity: the worst status of a scenario's checks is the scenario's status. */
const RANK: Record<Status, number> = { skip: 0, pass: 1, info: 2, unsupported: 3, 'non-strict': 4, blocked: 5, fail: 6, error: 7 };

export function worst(a: Status, b: Status): Status {
  return RANK[a] >= RANK[b] ? a : b;
}

export function worstOf(statuses: Iterable<Status>): Status | undefined {
  let w: Status | undefined;
  for (const s of statuses) w = w === undefined ? s : worst(w, s);
  return w;
}

/** What a check that does not hold becomes, by the level it stands for. */
export function statusForLevel(level: Level): Status {
  switch (level) {
    case 'MUST':
    case 'API':
      return 'fail';
    case 'SHOULD':
      return 'non-strict';
    case 'MAY':
      return 'unsupported';
    case 'INFO':
      return 'info';
  }
}

/** A status that counts against the server (a check that did not hold at its level). */
export function isBroken(s: Status): boolean {
  return s === 'fail' || s === 'non-strict' || s === 'unsupported';
}

/** The status a scenario has when no deviations file says otherwise. */
export function defaultStatus(level: Level): Status {
  return level === 'INFO' ? 'info' : 'pass';
}

/** Rule levels in the catalogue may use the spec's longer words (MUST NOT, RECOMMENDED…). */
export function levelOfWord(word: string): Level {
  const w = word.toUpperCase();
  if (/^(MUST|SHALL|REQUIRED)/.test(w)) return 'MUST';
  if (w === 'API') return 'API';
  if (/^(SHOULD|RECOMMENDED|NOT RECOMMENDED)/.test(w)) return 'SHOULD';
  if (/^(MAY|OPTIONAL)/.test(w)) return 'MAY';
  return 'INFO';
}

/** Stronger first: the level a check citing several rules stands for. */
export function strongest(levels: Iterable<Level>): Level | undefined {
  let best: Level | undefined;
  for (const l of levels) if (best === undefined || LEVELS.indexOf(l) < LEVELS.indexOf(best)) best = l;
  return best;
}

export const LEGEND: Record<Status, string> = {
  pass: 'The server did what the rule asks.',
  fail: 'A MUST (or an API contract) was broken: the server is not conformant on this point.',
  'non-strict': 'A SHOULD was not met. Worth fixing, but the server is still conformant.',
  info: 'The spec does not say what should happen; the behaviour seen is recorded for comparison.',
  unsupported: 'An optional (MAY) feature is absent, or the target lacks what the scenario needs (e.g. a room version). Not a defect.',
  blocked: 'The rule could not be exercised because a precondition belonging to another rule failed first. Not a verdict on this rule.',
  skip: 'Not run: outside the spec version range, or the target lacks a capability the scenario needs.',
  error: 'The harness or the target broke (timeout, crash, bad setup). Not a verdict on conformance.',
};

export const LEVEL_LEGEND: Record<Level, string> = {
  MUST: 'A requirement in the spec prose (MUST, MUST NOT, REQUIRED).',
  API: 'A contract only the API description states: a status code, an errcode, a response schema.',
  SHOULD: 'A recommendation in the spec prose (SHOULD, RECOMMENDED).',
  MAY: 'An option in the spec prose (MAY, OPTIONAL).',
  INFO: 'Behaviour the spec leaves open; recorded, never judged.',
};

/** One-character marks for the console. */
export const MARK: Record<Status, string> = { pass: '✓', fail: '×', 'non-strict': '~', info: 'i', unsupported: '-', blocked: '⊘', skip: '○', error: '!' };
