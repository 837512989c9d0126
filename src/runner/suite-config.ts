// What the CLI hands to the vitest workers (through vitest's provide/inject). It holds the shared
// secret, so it is never written anywhere.
import type { RegistrationConfig } from '../client/register.ts';
import type { Scenario } from '../scenario/types.ts';
import type { ScenarioResult } from '../model.ts';
import { inRange } from '../scenario/spec-version.ts';

export interface SuiteConfig {
  baseUrl: string;
  pathVersion: 'v3' | 'r0';
  registration: RegistrationConfig;
  serverName?: string;
  runPrefix: string;
  syncTimeoutMs: number;
  pollMs: number;
  specDirs: string[];
  specVersion: string;
  only: string[];
  rules: string[];
  tags: string[];
  expectationsFile?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    rcConfig: SuiteConfig;
  }
}

declare module '@vitest/runner' {
  interface TaskMeta {
    rc?: ScenarioResult;
  }
}

/** Glob-ish match: `cs.receipts.*` or a plain prefix. */
function idMatches(id: string, pattern: string): boolean {
  if (pattern.includes('*')) {
    const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    return re.test(id);
  }
  return id === pattern || id.startsWith(pattern + '.');
}

/** Scenarios the run selects by --only, --rule and --tag (the spec version decides skip, not selection). */
export function selectScenarios(all: Scenario[], cfg: Pick<SuiteConfig, 'only' | 'rules' | 'tags'>): Scenario[] {
  return all.filter(
    (s) =>
      (!cfg.only.length || cfg.only.some((p) => idMatches(s.id, p))) &&
      (!cfg.rules.length || s.rules.some((r) => cfg.rules.includes(r))) &&
      (!cfg.tags.length || s.tags.some((t) => cfg.tags.includes(t))),
  );
}

export function inSpecRange(s: Scenario, version: string): boolean {
  return inRange(version, s.spec.since, s.spec.until);
}
