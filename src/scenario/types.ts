// The in-memory form of a scenario file. The JSON Schema in fixtures/schemas/scenario.schema.json
// is the authority on shape; these types mirror it for the runner.
import type { Level } from '../model.ts';

export interface Scenario {
  id: string;
  title: string;
  rules: string[];
  level: Level;
  spec: { since: string; until?: string };
  tags: string[];
  notes?: string;
  users: string[];
  remote_users: string[];
  steps: Step[];
  /** Path relative to the working directory, for messages. */
  file: string;
  /** The folder under specs/, e.g. client-server/receipts. */
  area: string;
  /** 1-based line of each step, for failure messages. */
  stepLines: number[];
}

export type Step = Record<string, any>;

export interface Expectation {
  status?: number | number[] | '2xx' | '4xx' | '5xx';
  errcode?: string | string[];
  body?: unknown;
  /** JSON pointer -> value the response must hold there. */
  json?: Record<string, unknown>;
  record?: true;
  level?: Level;
  rules?: string[];
}

export type Check = Record<string, any>;
