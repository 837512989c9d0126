// Everything one scenario run knows, in one place: what its names stand for, where each stream
// position is, its fake federation server, and the verdicts of its checks.
import { createHash } from 'node:crypto';
import type { MatrixUser, MatrixApi } from '../client/matrix.ts';
import type { Registrar } from '../client/register.ts';
import type { CheckResult, RequestRecord } from '../model.ts';
import type { Scenario } from '../scenario/types.ts';
import type { FakeHomeserver } from '../federation/fake-server.ts';
import type { FederationAccess } from '../targets/federation-access.ts';
import type { ReceiptPush } from './receipt-push.ts';
import type { AppServiceAccess } from '../appservice/access.ts';
import type { Level } from '../verdict.ts';
import type { Resolver } from './resolver.ts';
import type { ThreadWant } from './receipts.ts';
import { fillPath, fillValue, type PlaceholderValues } from './placeholders.ts';
import { judge, type CheckSpec, type ScenarioFacts, type Verdict } from './record.ts';

export interface RunSettings {
  /** Per-run prefix carried by every user and room the suite creates. */
  runPrefix: string;
  /** Deadline of one wait, unless the scenario sets its own. */
  syncTimeoutMs: number;
  /** Long-poll timeout of one /sync request. */
  pollMs: number;
  /** The target's server name, when known up front (else learnt from the first local user ID). */
  serverName?: string;
  /** Each catalogue rule's level. */
  ruleLevels: ReadonlyMap<string, Level>;
  /** The room version rooms are created in when a step does not name one (else the server's default). */
  roomVersion?: string;
  /** How the fake federation servers reach the target (the client URL when not given). */
  federation?: FederationAccess;
  /** The suite's application service on the target, when it has one. */
  appservice?: AppServiceAccess;
  /** Whether the target sent the fake federation server a receipt EDU when probed (federation-probe.ts). */
  federationReceiptPush?: ReceiptPush;
}

/** The harness or the target broke: the scenario's status is error, not a verdict. */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly request?: RequestRecord,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

/** The target lacks something the scenario needs (a room version, say): `unsupported`, not error. */
export class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

const TRANSCRIPT_LIMIT = 80;

/** Per-scenario federation state: the fake server and what the steps built for it. */
export interface FederationState {
  fake?: FakeHomeserver;
  /** PDUs built by `remote_send ... hold: true`, by event name, waiting for `remote_release`. */
  held: Map<string, { roomName?: string; event: object; eventId: string }>;
  /** The fake's recent log lines, for harness errors. */
  log: string[];
  /** Transaction names used by the scenario → the txn IDs actually sent. */
  txnIds: Map<string, string>;
}

/** The localpart of a scenario's actor: the run's prefix, a tag of the scenario, the actor's name. */
export function localpartOf(runPrefix: string, scenarioId: string, actor: string): string {
  return `${runPrefix}_${createHash('sha256').update(scenarioId).digest('hex').slice(0, 6)}_${actor}`;
}

export class ScenarioContext implements Resolver {
  readonly users = new Map<string, MatrixUser>();
  readonly rooms = new Map<string, string>();
  readonly events = new Map<string, string>();
  /** Stream positions: each actor's next_batch, the index of the next EDU and of the next AS transaction to read. */
  readonly positions = { sync: new Map<string, string>(), edus: 0, appservice: 0 };
  readonly fed: FederationState = { held: new Map(), log: [], txnIds: new Map() };
  /** Each actor's sentinel room: where it posts receipts that settle a wait (streams/sync.ts). */
  readonly sentinelRooms = new Map<string, string>();
  readonly checks: CheckResult[] = [];
  /** The failed precondition that stopped the scenario. */
  blocked?: CheckResult;
  readonly transcript: RequestRecord[] = [];
  /** Milliseconds waits spent running out their deadline (the benchmark's "waiting for a deadline"). */
  deadlineWaitMs = 0;
  /** Always-on problems already reported, so that one broken shape is reported once. */
  private readonly reported = new Set<string>();
  private txn = 0;
  readonly tag: string;
  private readonly facts: ScenarioFacts;

  constructor(
    readonly scenario: Scenario,
    readonly api: MatrixApi,
    readonly registrar: Registrar,
    readonly settings: RunSettings,
  ) {
    this.tag = createHash('sha256').update(scenario.id).digest('hex').slice(0, 6);
    this.facts = { rules: scenario.rules, level: scenario.level, ruleLevels: settings.ruleLevels };
  }

  // ---------------------------------------------------------------------------------------- names

  localpart(actor: string): string {
    return localpartOf(this.settings.runPrefix, this.scenario.id, actor);
  }

  txnId(): string {
    return `${this.settings.runPrefix}.${this.tag}.${++this.txn}.${Date.now()}`;
  }

  actor(name: string): MatrixUser {
    const u = this.users.get(name);
    if (!u) throw new HarnessError(`actor ${name} is not registered`);
    return u;
  }

  user(ref: string): string {
    if (ref.startsWith('@')) return ref;
    if (this.scenario.remote_users.includes(ref)) return this.remoteUser(ref);
    return this.actor(ref).userId;
  }

  /** A remote actor's user ID on the fake server: `@<localpart>:<fake server name>`. */
  remoteUser(name: string): string {
    if (!this.scenario.remote_users.includes(name)) throw new HarnessError(`${name} is not listed under remote_users`);
    return this.federation().userId(this.localpart(name));
  }

  /** The fake remote homeserver; a HarnessError when the scenario has none. */
  federation(): FakeHomeserver {
    if (!this.fed.fake) throw new HarnessError('this step needs the fake federation server, which did not start');
    return this.fed.fake;
  }

  /** A room by name; without a name, the scenario's only room. */
  room(name?: string): string {
    const key = name ?? (this.rooms.size === 1 ? [...this.rooms.keys()][0]! : undefined);
    const id = key === undefined ? undefined : this.rooms.get(key);
    if (!id) throw new HarnessError(name ? `room ${name} has not been created` : 'no room has been created yet');
    return id;
  }

  /** A room name, or a literal room ID starting with `!`. */
  roomRef(ref: string): string {
    return ref.startsWith('!') ? ref : this.room(ref);
  }

  event(ref: string): string {
    if (ref.startsWith('$')) return ref;
    const id = this.events.get(ref);
    if (!id) throw new HarnessError(`event ${ref} has not been sent`);
    return id;
  }

  thread(ref: string | null | undefined): ThreadWant {
    return ref === undefined || ref === null || ref === 'main' ? ref : this.event(ref);
  }

  nowMs(): number {
    return Date.now();
  }

  /** Events the target refused with the transaction that carried them: evidence that they will never arrive. */
  readonly refusedEvents = new Map<string, string>();

  refused(eventId: string): string | undefined {
    return this.refusedEvents.get(eventId);
  }

  // ---------------------------------------------------------------------------------------- placeholders

  private readonly values: PlaceholderValues = {
    named: (kind, name) => (kind === 'room' ? this.roomRef(name) : kind === 'event' ? this.event(name) : kind === 'remote' ? this.remoteUser(name) : this.user(name)),
    bare: (kind) => (kind === 'remote_server' ? this.federation().serverName : this.serverName()),
    nowMs: () => this.nowMs(),
  };

  fill<T>(value: T): T {
    return fillValue(value, this.values);
  }

  fillPath(template: string): string {
    return fillPath(template, this.values);
  }

  /** The target's server name: configured, else the domain of a local user. */
  serverName(): string {
    if (this.settings.serverName) return this.settings.serverName;
    const first = this.users.values().next().value;
    if (!first) throw new HarnessError('the target server name is unknown before any user is registered');
    return first.userId.slice(first.userId.indexOf(':') + 1);
  }

  // ---------------------------------------------------------------------------------------- verdicts

  /** Records a check's verdict; a failed precondition marks the scenario blocked. */
  record(spec: CheckSpec, verdict: Verdict): CheckResult {
    const result = judge(spec, verdict, this.facts);
    this.checks.push(result);
    if (result.role === 'precondition' && result.status !== 'pass' && result.status !== 'info') this.blocked ??= result;
    return result;
  }

  private readonly autos = new Map<string, { spec: CheckSpec; failed: boolean }>();

  /**
   * An always-on check (a wire schema on every response) ran: a problem is recorded once per
   * scenario (the same broken shape repeats on every response), and a check that never found one
   * is recorded as a pass when the scenario ends.
   */
  auto(key: string, spec: CheckSpec, problem?: Omit<Verdict, 'ok'> & { message: string }): void {
    let a = this.autos.get(key);
    if (!a) this.autos.set(key, (a = { spec: { ...spec, auto: true }, failed: false }));
    if (!problem || this.reported.has(`${key} ${problem.message}`)) return;
    this.reported.add(`${key} ${problem.message}`);
    a.failed = true;
    this.record({ ...spec, auto: true }, { ok: false, ...problem });
  }

  /** Records the always-on checks that held on everything they saw. */
  finishAuto(): void {
    for (const a of this.autos.values()) if (!a.failed) this.record({ ...a.spec, where: 'every response of the scenario' }, { ok: true });
  }

  keep(record: RequestRecord): void {
    if (this.transcript.length >= TRANSCRIPT_LIMIT) this.transcript.shift();
    this.transcript.push(record);
  }
}
