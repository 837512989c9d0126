// The in-memory form of a scenario file, after loading. Step arguments keep the shape their step
// module declares (src/runner/steps/); the loader has validated them against it.
import type { Level } from '../verdict.ts';

/** What a target must offer beyond the client-server API for a scenario to run. */
export const CAPABILITIES = ['federation', 'appservice', 'guest', 'admin'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The closed list of tags; a new tag is added here, with the scenarios that use it. */
export const TAGS = [
  'account-data', 'acl', 'appservice', 'auth', 'batching', 'clobbering', 'delta', 'errors', 'federation', 'guest',
  'inbound', 'incremental-sync', 'initial-sync', 'malformed', 'membership', 'notifications', 'ordering', 'outbound',
  'private-receipts', 'rate-limits', 'read-markers', 'receipt-types', 'receipts', 'request-body', 'robustness',
  'room-versions', 'schema', 'sentinel', 'sliding-sync', 'spec-silent', 'sync', 'sync-filters', 'threaded-receipts',
  'transactions', 'trust', 'typing', 'validation',
] as const;

/** One step as written: a single key naming its kind, holding its arguments. */
export type StepValue = Readonly<Record<string, unknown>>;

export interface Scenario {
  id: string;
  title: string;
  rules: string[];
  level: Level;
  spec: { since: string; until?: string };
  tags: string[];
  needs: Capability[];
  /** An MSC number: behaviour clients rely on before the spec has it; never changes the exit code. */
  tentative?: string;
  notes?: string;
  users: string[];
  /** The actors among `users` who are guests (POST /register?kind=guest). */
  guests: string[];
  remote_users: string[];
  steps: StepValue[];
  /** Path relative to the working directory, for messages. */
  file: string;
  /** The folder under specs/, e.g. client-server/receipts. */
  area: string;
  /** 1-based line of each step, for failure messages. */
  stepLines: number[];
}
