// How a step kind and a check kind are declared. Each kind is one module that gives its argument
// schema (TypeBox: the JSON Schema for the loader and the editor, and the static type for `run`
// and `eval` in one definition), the names it uses and defines (annotations on that schema, which
// the loader checks at load time), its phase, and what it does. The compiler rejects a kind that
// lacks any of them.
import Type, { type Static, type TSchema } from 'typebox';
import type { Capability } from '../scenario/types.ts';
import type { AsTxn, EduTxn, SlidingItem, SyncItem } from './streams/items.ts';
import type { ScenarioContext } from './context.ts';
import type { Resolver } from './resolver.ts';

export type { Resolver } from './resolver.ts';
import { LEVELS } from '../verdict.ts';

export const NAME_PATTERN = '^[a-z][a-z0-9_]*$';

/**
 * Name annotations. `x-name` marks a name a step uses, `x-defines` one it introduces, and
 * `x-template` a value whose strings and keys may hold {room:NAME}-style placeholders.
 * - local/remote/actor: users listed under `users` / `remote_users` / either (or a literal @user:id);
 * - room: a room created earlier; when the field is omitted, the scenario's only room;
 * - room-ref: a room name or a literal !room:id, with no default (a filter);
 * - event: an event named earlier, or a literal $id; thread: `main` or a thread root's name.
 */

export const Name = {
  local: (description = 'A local actor (listed under users).') => Type.String({ 'x-name': 'local', pattern: NAME_PATTERN, description }),
  remote: (description = 'A remote actor (listed under remote_users).') => Type.String({ 'x-name': 'remote', pattern: NAME_PATTERN, description }),
  actor: (description = 'An actor name, or a literal user ID starting with @.') => Type.String({ 'x-name': 'actor', minLength: 1, description }),
  room: (description = "A room name; omitted, the scenario's only room.") => Type.String({ 'x-name': 'room', pattern: NAME_PATTERN, description }),
  roomRef: (description = 'A room name, or a literal room ID starting with ! (a room the target does not know).') =>
    Type.String({ 'x-name': 'room-ref', minLength: 1, description }),
  event: (description = 'An event name from an earlier step, or a literal event ID starting with $.') => Type.String({ 'x-name': 'event', minLength: 1, description }),
  thread: (description = 'main, or the name of the thread root event.') => Type.String({ 'x-name': 'thread', minLength: 1, description }),
  newEvent: (description = 'Names the event this step creates, for later steps.') => Type.String({ 'x-defines': 'event', pattern: NAME_PATTERN, description }),
  newRoom: (description = 'Names the room this step creates; `room` when omitted.') => Type.String({ 'x-defines': 'room', pattern: NAME_PATTERN, description }),
};

/** A value whose strings and keys may hold {room:X}, {event:X}, {user:X}, {remote:X}, {server}, {remote_server}. */
export const Template = {
  string: (description?: string) => Type.String({ 'x-template': true, ...(description ? { description } : {}) }),
  any: (description?: string) => Type.Unknown({ 'x-template': true, ...(description ? { description } : {}) }),
  object: (description?: string) => Type.Record(Type.String(), Type.Unknown(), { 'x-template': true, ...(description ? { description } : {}) }),
};

export const LevelSchema = Type.Enum(LEVELS);
export const RuleId = Type.String({ pattern: '^R-[A-Z]+-[0-9]+$', 'x-rule': true, description: 'A rule ID from specs/rules.yaml.' });
export const RulesSchema = Type.Array(RuleId, { minItems: 1, uniqueItems: true });

/** `null` in a check: no thread_id key at all. */
export const ThreadOrNone = Type.Union([Name.thread(), Type.Null()], { description: 'main, a thread root, or null for an unthreaded receipt (no thread_id key).' });

export interface At {
  /** "step 3 receipt (line 12)", and the list within the step when there is one. */
  where: string;
}

export interface StepKind<K extends string = string, S extends TSchema = TSchema> {
  kind: K;
  summary: string;
  args: S;
  /** The capability the target needs for this step; the scenario must list it under `needs`. */
  needs?: Capability;
  run(ctx: ScenarioContext, args: Static<S>, at: At): Promise<void>;
}

export function defineStep<const K extends string, S extends TSchema>(def: StepKind<K, S>): StepKind<K, S> {
  return def;
}

// ------------------------------------------------------------------------------------------ checks

/** The streams a wait can read, and the item each yields. */
export interface StreamItems {
  sync: SyncItem;
  edus: EduTxn;
  /** The transactions the target pushes to the suite's application service. */
  appservice: AsTxn;
  /** The actor's simplified sliding sync responses (MSC4186), with the receipts extension on. */
  sliding: SlidingItem;
}
export type StreamName = keyof StreamItems;

/**
 * event: must match once, on some item (a receipt arrives); a mismatch is final.
 * state: read only once the event checks of a wait have matched (counters); the last reading counts.
 * window: judges all the items of a wait together (deltas, batching, clobbering).
 */
export type Phase = 'event' | 'state' | 'window';

export type Outcome =
  | { state: 'match'; note?: string }
  | { state: 'pending'; note: string }
  | { state: 'mismatch'; message: string; expected?: unknown; actual?: unknown };


/** Every check may cite its own rules and level. */
export const CheckCommon = { level: Type.Optional(LevelSchema), rules: Type.Optional(RulesSchema) };

interface CheckBase<K extends string, S extends TSchema, T extends StreamName> {
  kind: K;
  summary: string;
  stream: T;
  args: S;
  /** The rules the check stands for when the scenario gives none; the scenario's own otherwise. */
  defaultRules?: readonly string[];
  /**
   * Settled by a later receipt: what this check waits for travels with the receipts (or, for counts,
   * must be updated as they change), so once a receipt the suite posted after it has arrived, a
   * pending check cannot still come true. The wait then ends on that evidence, not on its deadline.
   */
  settledByLaterReceipt?: true;
}

export interface ItemCheck<K extends string = string, S extends TSchema = TSchema, T extends StreamName = StreamName> extends CheckBase<K, S, T> {
  phase: 'event' | 'state';
  eval(args: Static<S>, item: StreamItems[T], r: Resolver): Outcome;
}

export interface WindowCheck<K extends string = string, S extends TSchema = TSchema, T extends StreamName = StreamName> extends CheckBase<K, S, T> {
  phase: 'window';
  eval(args: Static<S>, items: readonly StreamItems[T][], r: Resolver): Outcome;
}

export type CheckKind = ItemCheck | WindowCheck;

export function defineCheck<const K extends string, S extends TSchema, T extends StreamName>(def: ItemCheck<K, S, T>): ItemCheck<K, S, T> {
  return def;
}

export function defineWindowCheck<const K extends string, S extends TSchema, T extends StreamName>(def: WindowCheck<K, S, T>): WindowCheck<K, S, T> {
  return def;
}

/** A check as written in a scenario: one key naming its kind. */
export type CheckValue = Readonly<Record<string, unknown>>;

export function only(value: Readonly<Record<string, unknown>>): [string, Record<string, unknown>] {
  const entries = Object.entries(value);
  if (entries.length !== 1) throw new Error(`expected one key naming the kind, got ${entries.length}`);
  const [kind, args] = entries[0]!;
  return [kind, (args ?? {}) as Record<string, unknown>];
}

/** `receipt {"event":"hello","user":"bob"}`: the check without its level and rules. */
export function describeCheck(value: CheckValue): string {
  const [kind, args] = only(value);
  const { level: _l, rules: _r, ...rest } = args;
  return Object.keys(rest).length ? `${kind} ${JSON.stringify(rest)}` : kind;
}
