// Observing a user's /sync stream. Every wait is a long-poll from the actor's last next_batch with
// a deadline: there are no sleeps, and a receipt that was already delivered cannot satisfy a later
// wait. Absence is proven by a sentinel: `throughout` checks must hold on every response until
// the `until` checks (which include the sentinel) have passed.
import type { Check } from '../scenario/types.ts';
import { validator } from '../scenario/schema.ts';
import { evalCheck, evalWindow, checkKind, STATE_KINDS, WINDOW_KINDS, type Outcome } from './checks.ts';
import { HarnessError, StopScenario, type ScenarioContext } from './context.ts';
import { receiptEvents, roomAccountData } from './sync-view.ts';
import { ajvPath } from './expect.ts';
import type { Level } from '../model.ts';

/** A filter that matches no room: the cheapest way to learn the current stream position. */
const NO_ROOMS = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

export async function syncOnce(ctx: ScenarioContext, actor: string, opts: { since?: string; filter?: unknown; timeoutMs: number; where: string }): Promise<any> {
  const user = ctx.actor(actor);
  const query: Record<string, string | undefined> = {
    timeout: String(opts.timeoutMs),
    since: opts.since,
    filter: opts.filter === undefined ? undefined : typeof opts.filter === 'string' ? opts.filter : JSON.stringify(opts.filter),
  };
  const res = await user.sync(query, opts.timeoutMs + 30_000);
  if (res.status !== 200 || !res.json || typeof res.json.next_batch !== 'string') {
    throw new HarnessError(`${opts.where}: /sync for ${actor} answered ${res.status} ${res.text.slice(0, 200)}`, res.record);
  }
  validateResponse(ctx, res.json, opts.where);
  return res.json;
}

/** Takes a stream position for the actor so that later waits only see what happens after now. */
export async function markPosition(ctx: ScenarioContext, actor: string): Promise<void> {
  const res = await syncOnce(ctx, actor, { filter: NO_ROOMS, timeoutMs: 0, where: `position of ${actor}` });
  ctx.since.set(actor, res.next_batch);
}

const reported = new WeakMap<ScenarioContext, Set<string>>();

/** Schema checks that apply to every response, whether or not the scenario asks. */
function validateResponse(ctx: ScenarioContext, sync: any, where: string): void {
  const seen = reported.get(ctx) ?? new Set<string>();
  reported.set(ctx, seen);
  const receiptSchema = validator('m.receipt');
  const fullyReadSchema = validator('m.fully_read');
  for (const roomId of ctx.rooms.values()) {
    for (const ev of receiptEvents(sync, roomId)) {
      if (!receiptSchema(ev)) {
        const detail = ajvPath(receiptSchema.errors);
        if (seen.has(detail)) continue;
        seen.add(detail);
        ctx.add({ where, rules: ['R-CS-10'], level: ctx.levelOf('MUST'), message: `an m.receipt event breaks the event schema: ${detail}`, actual: ev });
      }
    }
    for (const ev of roomAccountData(sync, roomId).filter((e) => e?.type === 'm.fully_read')) {
      if (!fullyReadSchema(ev)) {
        const detail = ajvPath(fullyReadSchema.errors);
        if (seen.has(detail)) continue;
        seen.add(detail);
        ctx.add({ where, rules: ['R-RM-07'], level: ctx.levelOf('MUST'), message: `an m.fully_read event breaks the event schema: ${detail}`, actual: ev });
      }
    }
  }
}

export function checkMeta(ctx: ScenarioContext, check: Check): { level: Level; rules: string[] } {
  const [, args] = checkKind(check);
  return { level: ctx.levelOf(args?.level), rules: args?.rules ?? ctx.scenario.rules };
}

export function describeCheck(check: Check): string {
  const [kind, args] = checkKind(check);
  const { level: _l, rules: _r, ...rest } = args ?? {};
  return `${kind} ${JSON.stringify(rest)}`;
}

export interface SyncUntilArgs {
  as: string;
  filter?: unknown;
  until: Check[];
  throughout?: Check[];
  window?: Check[];
  timeout_ms?: number;
}

export async function syncUntil(ctx: ScenarioContext, where: string, args: SyncUntilArgs): Promise<void> {
  const timeoutMs = args.timeout_ms ?? ctx.settings.syncTimeoutMs;
  const deadline = performance.now() + timeoutMs;
  let since = ctx.since.get(args.as);
  if (since === undefined) {
    await markPosition(ctx, args.as);
    since = ctx.since.get(args.as);
  }
  const before = ctx.findings.length;
  const eventChecks = args.until.filter((c) => !STATE_KINDS.has(checkKind(c)[0]));
  const stateChecks = args.until.filter((c) => STATE_KINDS.has(checkKind(c)[0]));
  const lastNote = new Map<Check, string>();
  const failedThroughout = new Set<Check>();
  const responses: any[] = [];
  let pendingEvents = [...eventChecks];
  let pendingState = [...stateChecks];
  const started = performance.now();
  let eventsDoneAt: number | undefined;

  while (pendingEvents.length || pendingState.length) {
    const remaining = Math.floor(deadline - performance.now());
    if (remaining <= 0) break;
    const sync = await syncOnce(ctx, args.as, { since, filter: args.filter, timeoutMs: Math.min(ctx.settings.pollMs, remaining), where });
    since = sync.next_batch;
    responses.push(sync);
    const n = responses.length;
    const tms = Math.round(performance.now() - started);

    for (const check of args.throughout ?? []) {
      if (failedThroughout.has(check)) continue;
      const kind = checkKind(check)[0];
      const o: Outcome = WINDOW_KINDS.has(kind) ? evalWindow(check, [sync], ctx) : evalCheck(check, sync, ctx);
      if (o.state !== 'match') {
        failedThroughout.add(check);
        const { level, rules } = checkMeta(ctx, check);
        ctx.add({ where, rules, level, message: `response #${n} (t=${tms} ms): ${o.state === 'mismatch' ? o.message : `${describeCheck(check)} did not hold: ${o.note}`}`, expected: describeCheck(check), actual: o.state === 'mismatch' ? o.actual : o.note });
      }
    }
    pendingEvents = pendingEvents.filter((check) => {
      const o = evalCheck(check, sync, ctx);
      if (o.state === 'match') {
        noteInfo(ctx, where, check, `seen in response #${n} (t=${tms} ms)`);
        return false;
      }
      if (o.state === 'mismatch') {
        const { level, rules } = checkMeta(ctx, check);
        ctx.add({ where, rules, level, message: `response #${n}: ${o.message}`, expected: o.expected, actual: o.actual });
        return false;
      }
      lastNote.set(check, `[t=${tms} ms] response #${n}: ${o.note}`);
      return true;
    });
    if (!pendingEvents.length) {
      const firstLook = eventsDoneAt === undefined;
      eventsDoneAt ??= n;
      pendingState = pendingState.filter((check) => {
        const o = evalCheck(check, sync, ctx);
        if (o.state === 'match') {
          noteInfo(ctx, where, check, `held in response #${n} (t=${tms} ms)`);
          return false;
        }
        const note = o.state === 'pending' ? o.note : o.message;
        // A response without the room says nothing about its counts; keep the last real reading.
        if (!lastNote.has(check) || !/room absent/.test(note)) lastNote.set(check, `[t=${tms} ms] response #${n}: ${note}`);
        const [, a] = checkKind(check);
        if (firstLook && a?.same_response) {
          const { level, rules } = checkMeta(ctx, check);
          ctx.add({ where, rules, level, message: `response #${n}, which carried the awaited events, did not carry the matching counts: ${note}`, expected: describeCheck(check), actual: note });
          return false;
        }
        return true;
      });
    }
  }
  ctx.since.set(args.as, since!);

  for (const check of [...pendingEvents, ...pendingState]) {
    const { level, rules } = checkMeta(ctx, check);
    ctx.add({
      where,
      rules,
      level,
      message: `not seen within ${timeoutMs} ms over ${responses.length} sync response(s): ${describeCheck(check)}; last: ${lastNote.get(check) ?? 'the room never appeared'}`,
      expected: describeCheck(check),
      actual: lastNote.get(check) ?? 'nothing',
    });
  }
  for (const check of args.throughout ?? []) if (!failedThroughout.has(check)) noteInfo(ctx, where, check, `held on all ${responses.length} response(s)`);
  for (const check of args.window ?? []) {
    const o = evalWindow(check, responses, ctx);
    if (o.state === 'mismatch') {
      const { level, rules } = checkMeta(ctx, check);
      ctx.add({ where, rules, level, message: o.message, expected: o.expected, actual: o.actual });
    } else noteInfo(ctx, where, check, `held over ${responses.length} response(s)`);
  }
  stopIfFailed(ctx, before);
}

/** INFO checks record what was seen even when it matched: that is their verdict. */
function noteInfo(ctx: ScenarioContext, where: string, check: Check, what: string): void {
  const { level, rules } = checkMeta(ctx, check);
  if (level === 'INFO') ctx.add({ where, rules, level, message: `${describeCheck(check)}: ${what}` });
}

/** One initial sync, judged as a snapshot: positive checks must already hold. */
export async function syncSnapshot(ctx: ScenarioContext, where: string, args: { as: string; filter?: unknown; expect: Check[] }): Promise<void> {
  const before = ctx.findings.length;
  const sync = await syncOnce(ctx, args.as, { filter: args.filter, timeoutMs: 0, where });
  for (const check of args.expect) {
    const kind = checkKind(check)[0];
    const o = WINDOW_KINDS.has(kind) ? evalWindow(check, [sync], ctx) : evalCheck(check, sync, ctx);
    if (o.state === 'match') {
      noteInfo(ctx, where, check, 'held in the initial sync');
      continue;
    }
    const { level, rules } = checkMeta(ctx, check);
    if (o.state === 'mismatch') ctx.add({ where, rules, level, message: o.message, expected: o.expected, actual: o.actual });
    else ctx.add({ where, rules, level, message: `initial sync: ${o.note}`, expected: describeCheck(check), actual: o.note });
  }
  stopIfFailed(ctx, before);
}

function stopIfFailed(ctx: ScenarioContext, before: number): void {
  if (ctx.findings.slice(before).some((f) => f.level !== 'INFO')) throw new StopScenario();
}
