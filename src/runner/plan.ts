// What crosses from the CLI to the vitest worker, once: the scenarios to run (already selected,
// in spec range and with their needs met), the target, the run settings and the deviations. The
// worker loads nothing and selects nothing itself. The plan holds the shared secret, so it is never
// written anywhere.
import type { RegistrationConfig } from '../client/register.ts';
import type { RuleInfo, ScenarioResult } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Deviation } from './deviations.ts';
import type { FederationAccess } from '../targets/federation-access.ts';
import type { AppServiceAccess } from '../appservice/access.ts';

export interface RunPlan {
  target: {
    baseUrl: string;
    pathVersion: 'v3' | 'r0';
    registration: RegistrationConfig;
    serverName?: string;
    /** How the fake federation servers reach the target, when the probe found they can. */
    federation?: FederationAccess;
    /** The suite's application service, when the target registered it (its tokens are secrets). */
    appservice?: AppServiceAccess;
  };
  settings: { runPrefix: string; syncTimeoutMs: number; pollMs: number; roomVersion?: string };
  /** Per-request limits, and how many scenarios in a row may find the target unreachable. */
  limits: { requestTimeoutMs: number; maxBodyBytes: number; maxTargetFailures: number; setupTimeoutMs: number };
  scenarios: Scenario[];
  deviations: Record<string, Deviation>;
  rules: RuleInfo[];
}

/** The message of a scenario the circuit breaker did not run. */
export const TARGET_UNAVAILABLE = 'target unavailable:';

declare module 'vitest' {
  export interface ProvidedContext {
    rcPlan: RunPlan;
  }
}

declare module '@vitest/runner' {
  interface TaskMeta {
    rc?: ScenarioResult;
  }
}
