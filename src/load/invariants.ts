// The invariants a load run checks, each judged pass/fail with counts and a few examples.

export const INVARIANTS = {
  'no-lost-receipt-sync': {
    title: "No receipt lost at the observers: for every public (user, type, thread) slot, the last receipt posted is what each observer's /sync ends with",
    rules: ['R-CS-01', 'R-CS-07', 'R-FED-08'],
    level: 'MUST',
  },
  'no-lost-receipt-federation': {
    title: 'No receipt lost over federation: for every public slot of a local user, the last receipt posted reaches the remote server',
    rules: ['R-FED-09'],
    level: 'MUST',
  },
  'one-event-per-room-and-thread': {
    title: 'Receipts are batched: in each /sync response, one m.receipt event per room and thread',
    rules: ['R-CS-09'],
    level: 'SHOULD',
  },
  'one-per-slot': {
    title: 'Within one m.receipt event, each (user, type, thread) appears once',
    rules: ['R-CS-07'],
    level: 'MUST',
  },
  'deltas-only': {
    title: "An incremental /sync never repeats a receipt that did not change since the observer's previous response",
    rules: ['R-CS-08'],
    level: 'SHOULD',
  },
  'no-private-leak-sync': {
    title: "No m.read.private receipt reaches another user's /sync (as m.read.private or as m.read)",
    rules: ['R-PR-01'],
    level: 'MUST',
  },
  'no-private-leak-federation': {
    title: 'No m.read.private receipt is sent over federation (as m.read.private or as m.read)',
    rules: ['R-PR-03', 'R-FED-04'],
    level: 'MUST',
  },
} as const satisfies Record<string, { title: string; rules: readonly string[]; level: 'MUST' | 'SHOULD' }>;

export type InvariantId = keyof typeof INVARIANTS;
export const INVARIANT_IDS = Object.keys(INVARIANTS) as InvariantId[];

export interface InvariantResult {
  id: InvariantId;
  title: string;
  /** Rule IDs of the catalogue (specs/rules.yaml) the invariant stands for. */
  rules: string[];
  /** Strength of those rules; a broken SHOULD still fails the run, but weighs less. */
  level: 'MUST' | 'SHOULD';
  status: 'pass' | 'fail' | 'skip';
  /** How many things were judged (receipts, responses or slots, depending on the invariant). */
  checked: number;
  violations: number;
  /** The first few violations, in words. */
  evidence: string[];
  note?: string;
}

const MAX_EVIDENCE = 10;

export class InvariantLog {
  private readonly state = new Map<InvariantId, { checked: number; violations: number; evidence: string[]; skip?: string; note?: string }>();

  constructor() {
    for (const id of INVARIANT_IDS) this.state.set(id, { checked: 0, violations: 0, evidence: [] });
  }

  /** Records one judgement; `evidence` is only built for a violation. Returns `ok`. */
  check(id: InvariantId, ok: boolean, evidence: () => string): boolean {
    const s = this.state.get(id)!;
    s.checked += 1;
    if (!ok) {
      s.violations += 1;
      if (s.evidence.length < MAX_EVIDENCE) s.evidence.push(evidence());
    }
    return ok;
  }

  skip(id: InvariantId, why: string): void {
    this.state.get(id)!.skip = why;
  }

  note(id: InvariantId, text: string): void {
    this.state.get(id)!.note = text;
  }

  violations(id: InvariantId): number {
    return this.state.get(id)!.violations;
  }

  results(): InvariantResult[] {
    return INVARIANT_IDS.map((id) => {
      const s = this.state.get(id)!;
      const status = s.violations > 0 ? 'fail' : s.skip !== undefined || s.checked === 0 ? 'skip' : 'pass';
      const note = s.violations > 0 ? s.note : (s.skip ?? (s.checked === 0 ? 'nothing to judge was observed' : s.note));
      const { title, rules, level } = INVARIANTS[id];
      return { id, title, rules: [...rules], level, status, checked: s.checked, violations: s.violations, evidence: [...s.evidence], ...(note ? { note } : {}) };
    });
  }
}
