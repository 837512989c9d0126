// The one wait engine, over any stream (the client's /sync, the EDUs the fake federation server
// receives). A wait reads items from where the previous wait on that stream ended until every
// `until` check has matched, or its deadline passes. `throughout` checks must hold on every item on
// the way: absence is proven by a sentinel among the `until` checks, never by a sleep. `window`
// checks judge all the items of the wait together. Every check gets its own verdict.
import type { ScenarioContext } from './context.ts';
import { checkKind } from './checks/index.ts';
import { describeCheck, only, type At, type CheckKind, type CheckValue, type Outcome, type StreamItems, type StreamName } from './kinds.ts';
import type { CheckSpec } from './record.ts';

export interface Stream<I> {
  /** The next item, or undefined once the deadline (a performance.now() value) has passed. */
  next(deadline: number): Promise<I | undefined>;
  /** How messages name an item: "response #3 (t=120 ms)". */
  label(item: I, n: number, tms: number): string;
  /** Keeps the position reached, for the stream's next wait. */
  close(): void;
  /**
   * Posts a receipt through the stream's own pipeline, after everything the wait awaits was
   * caused, and returns how to recognise it. A stream that cannot (a filtered /sync) has none.
   */
  sentinel?(): Promise<(item: I) => boolean>;
  /**
   * Evidence, gathered before this wait, that no receipt reaches this stream at all (so neither
   * would a sentinel): the checks a sentinel settles are judged by it at once.
   */
  receiptsNeverArrive?: string;
}

export interface WaitArgs {
  until: readonly CheckValue[];
  throughout?: readonly CheckValue[];
  window?: readonly CheckValue[];
  timeoutMs: number;
}

interface Bound {
  value: CheckValue;
  kind: CheckKind;
  args: Record<string, unknown>;
  spec: CheckSpec;
}

function bind(at: At, list: string, stream: StreamName, value: CheckValue): Bound {
  const [name, args] = only(value);
  const kind = checkKind(name);
  if (kind.stream !== stream) throw new Error(`${name} is a check on ${kind.stream}, not on ${stream}`);
  const spec: CheckSpec = {
    where: `${at.where} ${list}`,
    check: describeCheck(value),
    rules: args.rules as string[] | undefined,
    level: args.level as CheckSpec['level'],
    ...(kind.defaultRules ? { defaultRules: kind.defaultRules } : {}),
  };
  return { value, kind, args, spec };
}

/** One item, whatever the check's phase (a window check judges the one item alone). */
function evalOne<S extends StreamName>(b: Bound, item: StreamItems[S], ctx: ScenarioContext): Outcome {
  // The registry guarantees the stream of the check matches the item's; args were validated at load.
  const kind = b.kind as { phase: string; eval(args: unknown, x: unknown, r: ScenarioContext): Outcome };
  return kind.eval(b.args, b.kind.phase === 'window' ? [item] : item, ctx);
}

function evalWindow<S extends StreamName>(b: Bound, items: readonly StreamItems[S][], ctx: ScenarioContext): Outcome {
  const kind = b.kind as { eval(args: unknown, x: unknown, r: ScenarioContext): Outcome };
  return kind.eval(b.args, items, ctx);
}

export async function waitUntil<S extends StreamName>(ctx: ScenarioContext, at: At, streamName: S, stream: Stream<StreamItems[S]>, args: WaitArgs): Promise<void> {
  const until = args.until.map((v) => bind(at, 'until', streamName, v));
  const throughout = (args.throughout ?? []).map((v) => bind(at, 'throughout', streamName, v));
  const window = (args.window ?? []).map((v) => bind(at, 'window', streamName, v));
  const started = performance.now();
  const deadline = started + args.timeoutMs;
  const items: StreamItems[S][] = [];
  const failedThroughout = new Set<Bound>();
  const lastNote = new Map<Bound, string>();
  let pendingEvents = until.filter((b) => b.kind.phase !== 'state');
  let pendingState = until.filter((b) => b.kind.phase === 'state');
  let eventsDoneAt: number | undefined;
  // A receipt posted once the wait has seen its first item: when it arrives, checks it settles that
  // are still pending have their answer (evidence in a response, not a deadline).
  let sentinel: ((item: StreamItems[S]) => boolean) | undefined;
  const settleable = () => [...pendingEvents, ...(pendingEvents.length ? [] : pendingState)].filter((b) => b.kind.settledByLaterReceipt);

  if (stream.receiptsNeverArrive) {
    const settled = new Set([...pendingEvents, ...pendingState].filter((b) => b.kind.settledByLaterReceipt));
    for (const b of settled) {
      ctx.record(b.spec, { ok: false, message: `not awaited: ${stream.receiptsNeverArrive}; so this cannot come: ${b.spec.check}`, expected: b.spec.check, actual: stream.receiptsNeverArrive });
    }
    pendingEvents = pendingEvents.filter((b) => !settled.has(b));
    pendingState = pendingState.filter((b) => !settled.has(b));
  }

  try {
    while (pendingEvents.length || pendingState.length) {
      const asked = performance.now();
      const item = await stream.next(deadline);
      if (item === undefined) {
        ctx.deadlineWaitMs += performance.now() - asked;
        break;
      }
      items.push(item);
      const n = items.length;
      const label = stream.label(item, n, Math.round(performance.now() - started));

      for (const b of throughout) {
        if (failedThroughout.has(b)) continue;
        const o = evalOne(b, item, ctx);
        if (o.state === 'match') continue;
        failedThroughout.add(b);
        ctx.record(b.spec, { ok: false, message: `${label}: ${o.state === 'mismatch' ? o.message : `${b.spec.check} did not hold: ${o.note}`}`, expected: b.spec.check, actual: o.state === 'mismatch' ? o.actual : o.note });
      }
      pendingEvents = pendingEvents.filter((b) => {
        const o = evalOne(b, item, ctx);
        if (o.state === 'match') ctx.record(b.spec, { ok: true, message: `seen in ${label}` });
        else if (o.state === 'mismatch') ctx.record(b.spec, { ok: false, message: `${label}: ${o.message}`, expected: o.expected, actual: o.actual });
        else lastNote.set(b, `${label}: ${o.note}`);
        return o.state === 'pending';
      });
      if (!pendingEvents.length) {
        const firstLook = eventsDoneAt === undefined;
        eventsDoneAt ??= n;
        pendingState = pendingState.filter((b) => {
          const o = evalOne(b, item, ctx);
          if (o.state === 'match') {
            ctx.record(b.spec, { ok: true, message: `held in ${label}` });
            return false;
          }
          const note = o.state === 'pending' ? o.note : o.message;
          // A response without the room says nothing about its counters; keep the last real reading.
          if (!lastNote.has(b) || !/room absent/.test(note)) lastNote.set(b, `${label}: ${note}`);
          if (firstLook && b.args.same_response === true) {
            ctx.record(b.spec, { ok: false, message: `${label}, which carried the awaited events, did not carry the matching counts: ${note}`, expected: b.spec.check, actual: note });
            return false;
          }
          return true;
        });
      }
      if (sentinel?.(item)) {
        const settled = new Set(settleable());
        for (const b of settled) {
          const last = lastNote.get(b) ?? 'nothing arrived';
          ctx.record(b.spec, { ok: false, message: `${label} delivered a receipt the suite posted after this was due, and this had still not come: ${b.spec.check}; last: ${last}`, expected: b.spec.check, actual: last });
        }
        pendingEvents = pendingEvents.filter((b) => !settled.has(b));
        pendingState = pendingState.filter((b) => !settled.has(b));
        sentinel = undefined;
      }
      if (!sentinel && stream.sentinel && settleable().length) sentinel = await stream.sentinel();
    }
  } finally {
    stream.close();
  }

  for (const b of [...pendingEvents, ...pendingState]) {
    ctx.record(b.spec, {
      ok: false,
      message: `not seen within ${args.timeoutMs} ms over ${items.length} item(s): ${b.spec.check}; last: ${lastNote.get(b) ?? 'nothing arrived'}`,
      expected: b.spec.check,
      actual: lastNote.get(b) ?? 'nothing',
    });
  }
  for (const b of throughout) if (!failedThroughout.has(b)) ctx.record(b.spec, { ok: true, message: `held on all ${items.length} item(s)` });
  for (const b of window) judgeWindow(ctx, b, items);
}

function judgeWindow<S extends StreamName>(ctx: ScenarioContext, b: Bound, items: readonly StreamItems[S][]): void {
  const o = evalWindow(b, items, ctx);
  if (o.state === 'mismatch') ctx.record(b.spec, { ok: false, message: o.message, expected: o.expected, actual: o.actual });
  else if (o.state === 'pending') ctx.record(b.spec, { ok: false, message: o.note, expected: b.spec.check });
  else ctx.record(b.spec, { ok: true, message: `held over ${items.length} item(s)` });
}

/** One item judged as a snapshot: every check must already hold in it. */
export function judgeSnapshot<S extends StreamName>(ctx: ScenarioContext, at: At, streamName: S, item: StreamItems[S], checks: readonly CheckValue[]): void {
  for (const value of checks) {
    const b = bind(at, 'checks', streamName, value);
    if (b.kind.phase === 'window') {
      judgeWindow(ctx, b, [item]);
      continue;
    }
    const o = evalOne(b, item, ctx);
    if (o.state === 'match') ctx.record(b.spec, { ok: true, message: 'held in the snapshot' });
    else if (o.state === 'mismatch') ctx.record(b.spec, { ok: false, message: o.message, expected: o.expected, actual: o.actual });
    else ctx.record(b.spec, { ok: false, message: `snapshot: ${o.note}`, expected: b.spec.check, actual: o.note });
  }
}
