// What the runner needs to know about the server under test, whatever started it.
import type { RegistrationConfig } from '../client/register.ts';
import type { TargetReport } from '../model.ts';
import type { Capability } from '../scenario/types.ts';
import type { AppServiceAccess } from '../appservice/access.ts';

export interface TargetHandle {
  id: string;
  kind: TargetReport['kind'];
  baseUrl: string;
  /** The server's own name, as in its user IDs; learnt from a registration when not configured. */
  serverName?: string;
  registration: RegistrationConfig;
  software: { name: string; version: string } | null;
  startup?: { ms: number; cold: boolean };
  /** The server's process, when it runs on this machine (for CPU figures). */
  pid?: number;
  /** Client-server path prefix the server serves, when it predates /v3 (from a target file). */
  pathVersion?: 'v3' | 'r0';
  /** The newest spec version the server implements (from a target file), a default for --spec. */
  specVersion?: string;
  /** Values that must never appear in a report or a log the suite writes. */
  secrets: string[];
  /** Capabilities the target declares itself (a local target knows what its config enables). */
  capabilities?: Partial<Record<Capability, { ok: boolean; reason?: string }>>;
  /** The suite's application service, when the target registered it (local targets only). */
  appservice?: AppServiceAccess;
  /** Why the target is no longer usable, or null while it is. */
  failure(): string | null;
  stop(): Promise<void>;
}

/** The target could not be started or reached: exit code 3. */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface TargetOptions {
  reportDir: string;
  /** Whether to register the suite's application service (only runs that need it do). */
  appservice?: boolean;
  /** Prints progress lines for the operator. */
  log: (line: string) => void;
}
