// Per-scenario state: what names stand for, where each actor's sync stream is, and what was found.
import { createHash } from 'node:crypto';
import type { MatrixUser, MatrixApi } from '../client/matrix.ts';
import type { Registrar } from '../client/register.ts';
import type { Finding, Level, RequestRecord } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Resolver } from './checks.ts';
import type { FakeHomeserver } from '../federation/fake-server.ts';

export interface RunSettings {
  /** Per-run prefix carried by every user and room the suite creates. */
  runPrefix: string;
  /** Deadline of one sync_until, unless the scenario sets its own. */
  syncTimeoutMs: number;
  /** Long-poll timeout of one /sync request. */
  pollMs: number;
  /** The target's server name, when known up front (else learnt from the first local user ID). */
  serverName?: string;
}

/** Thrown to end a scenario early: its verdict is already decided by the findings so far. */
export class StopScenario extends Error {}

/** The harness or the target broke: the scenario's status is error, not a verdict. */
export class HarnessError extends Error {
  constructor(message: string, readonly request?: RequestRecord) {
    super(message);
    this.name = 'HarnessError';
  }
}

export class ScenarioContext implements Resolver {
  readonly users = new Map<string, MatrixUser>();
  readonly rooms = new Map<string, string>();
  readonly events = new Map<string, string>();
  /** Each actor's next_batch: every incremental wait starts where the previous one ended. */
  readonly since = new Map<string, string>();
  readonly findings: Finding[] = [];
  private txn = 0;
  readonly tag: string;
  /** The scenario's fake remote homeserver, started lazily for federation scenarios. */
  fake?: FakeHomeserver;
  /** Index in fake.received.edus where the next federation wait starts. */
  eduSince = 0;
  /** Transaction names used by the scenario → the txn IDs actually sent. */
  readonly txnIds = new Map<string, string>();

  constructor(
    readonly scenario: Scenario,
    readonly api: MatrixApi,
    readonly registrar: Registrar,
    readonly settings: RunSettings,
  ) {
    this.tag = createHash('sha256').update(scenario.id).digest('hex').slice(0, 6);
  }

  localpart(actor: string): string {
    return `${this.settings.runPrefix}_${this.tag}_${actor}`;
  }

  txnId(): string {
    return `${this.settings.runPrefix}.${this.tag}.${++this.txn}.${Date.now()}`;
  }

  user(ref: string): string {
    if (ref.startsWith('@')) return ref;
    if (this.scenario.remote_users.includes(ref) && !this.users.has(ref)) return this.remoteUser(ref);
    const u = this.users.get(ref);
    if (!u) throw new HarnessError(`actor ${ref} is not registered`);
    return u.userId;
  }

  /** A remote actor's user ID on the fake server: `@<localpart>:127.0.0.1:<port>`. */
  remoteUser(name: string): string {
    if (!this.scenario.remote_users.includes(name)) throw new HarnessError(`${name} is not listed under remote_users`);
    if (!this.fake) throw new HarnessError(`remote actor ${name} used before the fake federation server started`);
    return this.fake.userId(this.localpart(name));
  }

  /** The fake remote homeserver; a HarnessError when the scenario has none. */
  federation(): FakeHomeserver {
    if (!this.fake) throw new HarnessError('this step needs the fake federation server, which did not start');
    return this.fake;
  }

  actor(name: string): MatrixUser {
    const u = this.users.get(name);
    if (!u) throw new HarnessError(`actor ${name} is not registered`);
    return u;
  }

  room(name: string): string {
    const id = this.rooms.get(name);
    if (!id) throw new HarnessError(`room ${name} has not been created`);
    return id;
  }

  event(ref: string): string {
    if (ref.startsWith('$')) return ref;
    const id = this.events.get(ref);
    if (!id) throw new HarnessError(`event ${ref} has not been sent`);
    return id;
  }

  thread(ref: string): string {
    return ref === 'main' ? 'main' : this.event(ref);
  }

  nowMs(): number {
    return Date.now();
  }

  /** Replaces names in a path template: {room:NAME}, {event:NAME}, {user:NAME}. */
  fillPath(template: string): string {
    return template.replace(/\{(room|event|user):([^}]+)\}/g, (_, kind: string, name: string) => {
      const value = kind === 'room' ? this.room(name) : kind === 'event' ? this.event(name) : this.user(name);
      return encodeURIComponent(value);
    });
  }

  /**
   * Replaces {room:NAME}, {event:NAME} and {user:NAME} in every string and key of a value, so that
   * filters, event content and account data can name things without IDs.
   */
  fill<T>(value: T): T {
    const one = (str: string) =>
      str.replace(/\{(room|event|user):([^}]+)\}/g, (_, kind: string, name: string) => (kind === 'room' ? this.room(name) : kind === 'event' ? this.event(name) : this.user(name)));
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return one(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [one(k), walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  add(f: Finding): void {
    this.findings.push(f);
  }

  /** The level a check is judged at: its own, else the scenario's. */
  levelOf(own?: Level): Level {
    if (this.scenario.level === 'INFO') return 'INFO';
    return own ?? this.scenario.level;
  }
}
