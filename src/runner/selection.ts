// Which scenarios a run selects (--only, --rule, --tag), and which of those the tested spec
// version covers. Selection decides what is reported at all; the spec range decides skip.
import type { Scenario } from '../scenario/types.ts';
import { inRange } from '../scenario/spec-version.ts';

export interface Selection {
  only: readonly string[];
  rules: readonly string[];
  tags: readonly string[];
}

/** `cs.receipts.*` (a glob over the whole id) or a plain prefix ending at a dot. */
export function idMatches(id: string, pattern: string): boolean {
  if (pattern.includes('*')) {
    const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    return re.test(id);
  }
  return id === pattern || id.startsWith(pattern + '.');
}

export function selectScenarios<S extends Pick<Scenario, 'id' | 'rules' | 'tags'>>(all: readonly S[], sel: Selection): S[] {
  return all.filter(
    (s) =>
      (!sel.only.length || sel.only.some((p) => idMatches(s.id, p))) &&
      (!sel.rules.length || s.rules.some((r) => sel.rules.includes(r))) &&
      (!sel.tags.length || s.tags.some((t) => sel.tags.includes(t))),
  );
}

export function inSpecRange(s: Pick<Scenario, 'spec'>, version: string): boolean {
  return inRange(version, s.spec.since, s.spec.until);
}

export function outOfRangeReason(s: Pick<Scenario, 'spec'>, version: string): string {
  return `not part of spec ${version} (holds ${s.spec.since}${s.spec.until ? ` until ${s.spec.until}` : ' onwards'})`;
}
