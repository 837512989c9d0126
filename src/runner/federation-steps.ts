// Federation steps: the scenario's fake remote homeserver joins rooms the target hosts, sends PDUs and
// EDUs to it, and records the EDUs the target sends back. Waits on those EDUs are event-driven (the
// fake wakes us when a transaction lands) with a deadline, like sync_until: there are no sleeps, and
// absence is proven by a sentinel EDU that must arrive while the `throughout` checks hold.
//
// Every m.receipt EDU a wait looks at is also checked against fixtures/schemas/m.receipt-edu.schema.json
// (R-FED-02) and for receipt types other than m.read (R-FED-04, R-PR-03), whatever the scenario asks.
import { FakeHomeserver, buildReceiptEdu, type FederationResponse, type ReceivedEdu } from '../federation/fake-server.ts';
import { requestJson } from '../federation/http.ts';
import type { ApiResult } from '../client/matrix.ts';
import type { Level } from '../model.ts';
import type { Check, Scenario } from '../scenario/types.ts';
import { validator } from '../scenario/schema.ts';
import { checkKind, type Outcome, type Resolver } from './checks.ts';
import { HarnessError, StopScenario, type ScenarioContext } from './context.ts';
import { ajvPath, judgeResponse } from './expect.ts';
import { syncOnce, checkMeta, describeCheck } from './sync-wait.ts';
import { timelineEventIds } from './sync-view.ts';

export const FEDERATION_STEP_KINDS = new Set(['remote_join', 'remote_send', 'remote_release', 'inject_receipt', 'inject_edu', 'edus_until', 'deny_remote']);
export const EDU_CHECK_KINDS = new Set(['edu_receipt', 'no_edu_receipt', 'no_edu_receipt_type']);

const TS_WINDOW_MS = 10 * 60 * 1000;

/** Per-scenario federation state that the generic context does not need to know about. */
interface FedState {
  /** PDUs built by `remote_send ... hold: true`, by event name, waiting for `remote_release`. */
  held: Map<string, { roomName: string; event: object; eventId: string }>;
  /** The fake's log, kept for harness errors. */
  log: string[];
  /** Schema problems already reported, so that one broken shape is reported once. */
  reported: Set<string>;
}

const states = new WeakMap<ScenarioContext, FedState>();

function stateOf(ctx: ScenarioContext): FedState {
  let s = states.get(ctx);
  if (!s) {
    s = { held: new Map(), log: [], reported: new Set() };
    states.set(ctx, s);
  }
  return s;
}

export function needsFederation(s: Scenario): boolean {
  return s.remote_users.length > 0 || s.steps.some((step) => FEDERATION_STEP_KINDS.has(Object.keys(step)[0] ?? ''));
}

/** The target's server name: from the settings, else from a local user ID, else from its key document. */
async function targetServerName(ctx: ScenarioContext, baseUrl: string): Promise<string> {
  if (ctx.settings.serverName) return ctx.settings.serverName;
  const first = ctx.users.values().next().value;
  if (first) return first.userId.slice(first.userId.indexOf(':') + 1);
  const res = await requestJson({ method: 'GET', baseUrl, path: '/_matrix/key/v2/server', timeoutMs: 10_000 });
  const name = (res.body as { server_name?: unknown } | undefined)?.server_name;
  if (res.status !== 200 || typeof name !== 'string') throw new HarnessError(`cannot learn the target's server name: GET /_matrix/key/v2/server answered ${res.status}`);
  return name;
}

export async function startFederation(ctx: ScenarioContext, baseUrl: string): Promise<void> {
  const state = stateOf(ctx);
  const serverName = await targetServerName(ctx, baseUrl);
  const debug = process.env.RC_FED_DEBUG ? (line: string) => process.stderr.write(`[fed ${ctx.scenario.id}] ${line}\n`) : undefined;
  ctx.fake = await FakeHomeserver.start({
    target: { serverName, baseUrl },
    requestTimeoutMs: 20_000,
    log: (line) => {
      state.log.push(line);
      if (state.log.length > 200) state.log.shift();
      debug?.(line);
    },
  });
}

export async function stopFederation(ctx: ScenarioContext): Promise<void> {
  const fake = ctx.fake;
  if (fake) await fake.stop();
}

function fedError(ctx: ScenarioContext, message: string): HarnessError {
  const tail = stateOf(ctx).log.slice(-5).join(' | ');
  return new HarnessError(tail ? `${message} (fake server log: ${tail})` : message);
}

// ------------------------------------------------------------------------------------------ names

/** A room name, or a literal room ID starting with `!` (for rooms the target does not know). */
export function roomRef(r: Pick<Resolver, 'room'>, ref: string): string {
  return ref.startsWith('!') ? ref : r.room(ref);
}

/**
 * Replaces placeholders in every key and string of a JSON value: {room:NAME}, {event:NAME},
 * {user:NAME} (local or remote actor), {remote:NAME} (remote actor), {remote_server}, {server}. A
 * string that is exactly `{now}` becomes the current time in milliseconds (an integer).
 */
export function fillPlaceholders(ctx: ScenarioContext, value: unknown): unknown {
  const fill = (s: string): string =>
    s.replace(/\{(room|event|user|remote):([^}]+)\}|\{(remote_server|server)\}/g, (_m, kind: string | undefined, name: string | undefined, bare: string | undefined) => {
      if (bare === 'remote_server') return ctx.federation().serverName;
      if (bare === 'server') return ctx.federation().target.serverName;
      if (kind === 'room') return roomRef(ctx, name!);
      if (kind === 'event') return ctx.event(name!);
      if (kind === 'remote') return ctx.remoteUser(name!);
      return ctx.user(name!);
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v === '{now}' ? ctx.nowMs() : fill(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k), walk(x)]));
    return v;
  };
  return walk(value);
}

function txnIdFor(ctx: ScenarioContext, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  let id = ctx.txnIds.get(name);
  if (!id) {
    id = `rc.${ctx.txnId()}.${name}`;
    ctx.txnIds.set(name, id);
  }
  return id;
}

// ------------------------------------------------------------------------------------------ sending

function messageContent(ctx: ScenarioContext, args: any): Record<string, unknown> {
  const content: Record<string, unknown> = { msgtype: 'm.text', body: args.body ?? `${args.event ?? 'message'} from ${args.as}` };
  if (args.thread) {
    const root = ctx.event(args.thread);
    content['m.relates_to'] = { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } };
  }
  return content;
}

function buildMessage(ctx: ScenarioContext, args: any): { roomName: string; event: object; eventId: string } {
  const { event, eventId } = ctx.federation().createEvent(ctx.room(args.room), { type: 'm.room.message', sender: ctx.remoteUser(args.as), content: messageContent(ctx, args) });
  if (args.event) ctx.events.set(args.event, eventId);
  return { roomName: args.room, event, eventId };
}

/** The /send answer in the shape judgeResponse reads. */
function asApiResult(res: FederationResponse, txnId: string | undefined, body: unknown): ApiResult {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? null);
  return {
    status: res.status,
    json: res.body !== null && typeof res.body === 'object' ? res.body : undefined,
    text,
    ms: 0,
    record: { method: 'PUT', path: `/_matrix/federation/v1/send/${txnId ?? '(generated)'}`, body, status: res.status, response: res.body },
  };
}

interface TransactArgs {
  pdus?: object[];
  edus?: { edu_type: string; content: unknown }[];
  txn_id?: string;
  expect?: unknown;
}

/**
 * Sends one transaction and judges the answer: `expect` when given (default 200), and always that a
 * 200 answer holds a `pdus` object (R-FED-10).
 */
async function transact(ctx: ScenarioContext, where: string, args: TransactArgs): Promise<FederationResponse> {
  const fake = ctx.federation();
  const txnId = txnIdFor(ctx, args.txn_id);
  let res: FederationResponse;
  try {
    res = await fake.sendTransaction({ pdus: args.pdus ?? [], edus: args.edus ?? [], ...(txnId === undefined ? {} : { txnId }) });
  } catch (e) {
    throw fedError(ctx, `${where}: PUT /send to the target failed: ${(e as Error).message}`);
  }
  const result = asApiResult(res, txnId, { pdus: args.pdus ?? [], edus: args.edus ?? [] });
  const before = ctx.findings.length;
  if (res.status === 200) {
    const pdus = result.json?.pdus;
    if (pdus === null || typeof pdus !== 'object' || Array.isArray(pdus)) {
      ctx.add({ where, rules: ['R-FED-10'], level: ctx.levelOf('MUST'), message: 'the 200 answer to PUT /send has no pdus object', expected: '{"pdus": {...}}', actual: res.body, request: result.record });
    }
  }
  judgeResponse(ctx, where, result, args.expect as any, { rules: ['R-FED-10'], status: 200 });
  if (ctx.findings.slice(before).some((f) => f.level !== 'INFO')) throw new StopScenario();
  return res;
}

/** Sends PDUs as setup: the target must accept every one of them. */
async function deliverPdus(ctx: ScenarioContext, where: string, built: { event: object; eventId: string }[]): Promise<void> {
  const res = await ctx
    .federation()
    .sendTransaction({ pdus: built.map((b) => b.event) })
    .catch((e: Error) => {
      throw fedError(ctx, `${where}: PUT /send to the target failed: ${e.message}`);
    });
  const results = (res.body as { pdus?: Record<string, { error?: unknown }> } | undefined)?.pdus;
  if (res.status !== 200 || !results) throw fedError(ctx, `${where}: the target answered PUT /send with ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  for (const b of built) {
    if (results[b.eventId]?.error !== undefined) throw fedError(ctx, `${where}: the target rejected ${b.eventId}: ${JSON.stringify(results[b.eventId])}`);
  }
}

/** A local actor who is in the room: its creator (scenarios create every room they use). */
function localMember(ctx: ScenarioContext, roomName: string): string {
  for (const step of ctx.scenario.steps) {
    const args = step.create_room;
    if (args && args.room === roomName) return args.as;
  }
  throw new HarnessError(`no create_room step for ${roomName}`);
}

const POSITION_ONLY = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

/**
 * Delivers PDUs and waits until the target has persisted them: a homeserver may answer PUT /send
 * before it has processed the PDUs (Synapse stages them), and a receipt on an event it does not have
 * yet would race with it. The wait long-polls the room creator's /sync from a private position, with a
 * filter that sees only the room's timeline, so the scenario's own sync positions are untouched.
 */
async function deliverAndAwait(ctx: ScenarioContext, where: string, roomName: string, built: { event: object; eventId: string }[]): Promise<void> {
  const actor = localMember(ctx, roomName);
  const roomId = ctx.room(roomName);
  const first = await syncOnce(ctx, actor, { filter: POSITION_ONLY, timeoutMs: 0, where });
  await deliverPdus(ctx, where, built);
  const filter = {
    room: { rooms: [roomId], timeline: { limit: 50 }, state: { types: [] }, ephemeral: { types: [] }, account_data: { types: [] } },
    presence: { types: [] },
    account_data: { types: [] },
  };
  const missing = new Set(built.map((b) => b.eventId));
  const deadline = performance.now() + ctx.settings.syncTimeoutMs;
  let since: string = first.next_batch;
  while (missing.size) {
    const remaining = Math.floor(deadline - performance.now());
    if (remaining <= 0) throw fedError(ctx, `${where}: the target accepted ${[...missing].join(', ')} but ${actor} did not see it within ${ctx.settings.syncTimeoutMs} ms`);
    const sync = await syncOnce(ctx, actor, { since, filter, timeoutMs: Math.min(ctx.settings.pollMs, remaining), where });
    since = sync.next_batch;
    for (const id of timelineEventIds(sync, roomId)) missing.delete(id);
  }
}

async function remoteJoin(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const roomId = ctx.room(args.room);
  try {
    await ctx.federation().joinRoom(roomId, ctx.remoteUser(args.user));
  } catch (e) {
    throw fedError(ctx, `${where}: ${args.user} could not join ${args.room} over federation: ${(e as Error).message}`);
  }
}

async function remoteSend(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const built = buildMessage(ctx, args);
  if (args.hold) {
    stateOf(ctx).held.set(args.event, built);
    return;
  }
  await deliverAndAwait(ctx, where, args.room, [built]);
}

async function remoteRelease(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const held = stateOf(ctx).held;
  const built = (args.events as string[]).map((name) => {
    const b = held.get(name);
    if (!b) throw new HarnessError(`${where}: ${name} was not built by a remote_send with hold: true`);
    held.delete(name);
    return b;
  });
  for (const roomName of new Set(built.map((b) => b.roomName))) {
    await deliverAndAwait(ctx, where, roomName, built.filter((b) => b.roomName === roomName));
  }
}

async function injectReceipt(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const userId = args.user !== undefined ? ctx.user(args.user) : ctx.remoteUser(args.as);
  const edu = buildReceiptEdu(roomRef(ctx, args.room), userId, [ctx.event(args.event)], {
    receiptType: args.type ?? 'm.read',
    ts: args.ts ?? ctx.nowMs(),
    ...(args.thread !== undefined ? { threadId: ctx.thread(args.thread) } : {}),
  });
  await transact(ctx, where, { edus: [edu], txn_id: args.txn_id, expect: args.expect });
}

async function injectEdu(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  // PDUs in the same transaction are named like remote_send's events (first, so that the EDUs can name
  // them); whether the target applied them is for a later check (a timeline check) to say.
  const built = (args.with_pdus ?? []).map((p: any) => buildMessage(ctx, p));
  const edus = [{ edu_type: args.edu_type ?? 'm.receipt', content: fillPlaceholders(ctx, args.content) }];
  for (const extra of args.extra_edus ?? []) edus.push({ edu_type: extra.edu_type ?? 'm.receipt', content: fillPlaceholders(ctx, extra.content) });
  await transact(ctx, where, { pdus: built.map((b: { event: object }) => b.event), edus, txn_id: args.txn_id, expect: args.expect });
}

async function denyRemote(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const host = ctx.federation().serverName.replace(/:\d+$/, '');
  // ACL globs match the server name without its port; IP literals stay allowed so that the deny entry,
  // not allow_ip_literals, is what shuts the fake out.
  const content = { allow: ['*'], deny: [host], allow_ip_literals: true };
  const res = await ctx.actor(args.as).sendState(ctx.room(args.room), 'm.room.server_acl', '', content);
  if (res.status !== 200) throw new HarnessError(`${where}: setting m.room.server_acl failed: ${res.status} ${res.text.slice(0, 200)}`, res.record);
}

// ------------------------------------------------------------------------------------------ EDU checks

export interface EduReceiptEntry {
  roomId: string;
  type: string;
  userId: string;
  eventIds: unknown;
  data: Record<string, unknown>;
}

/** Every (room, type, user) entry of an m.receipt EDU, tolerant of malformed shapes. */
export function eduReceiptEntries(edu: Pick<ReceivedEdu, 'edu_type' | 'content'>): EduReceiptEntry[] {
  if (edu.edu_type !== 'm.receipt' || !edu.content || typeof edu.content !== 'object') return [];
  const out: EduReceiptEntry[] = [];
  for (const [roomId, byType] of Object.entries(edu.content as object)) {
    if (!byType || typeof byType !== 'object') continue;
    for (const [type, byUser] of Object.entries(byType as object)) {
      if (!byUser || typeof byUser !== 'object') continue;
      for (const [userId, value] of Object.entries(byUser as object)) {
        const v = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
        const data = v.data && typeof v.data === 'object' ? (v.data as Record<string, unknown>) : {};
        out.push({ roomId, type, userId, eventIds: v.event_ids, data });
      }
    }
  }
  return out;
}

function threadMatches(e: EduReceiptEntry, thread: string | null | undefined, r: Resolver): boolean {
  if (thread === undefined) return true;
  if (thread === null) return !('thread_id' in e.data);
  return e.data.thread_id === r.thread(thread);
}

function summary(e: EduReceiptEntry) {
  return { room: e.roomId, type: e.type, user: e.userId, event_ids: e.eventIds, data: e.data };
}

function evalEduReceipt(args: any, edu: ReceivedEdu, r: Resolver): Outcome {
  const roomId = roomRef(r, args.room);
  const userId = r.user(args.user);
  const eventId = r.event(args.event);
  const type = args.type ?? 'm.read';
  const entries = eduReceiptEntries(edu);
  const same = entries.filter((e) => e.roomId === roomId && e.type === type && e.userId === userId && Array.isArray(e.eventIds) && e.eventIds.includes(eventId));
  const hit = same.filter((e) => threadMatches(e, args.thread, r));
  if (!hit.length) {
    const other = same.length ? `; seen with data ${JSON.stringify(same.map((e) => e.data))}` : entries.length ? `; ${entries.length} other receipt(s) in it` : '';
    return { state: 'pending', note: `${edu.edu_type} EDU without a ${type} receipt by ${userId} on ${eventId}${args.thread !== undefined ? ` with thread ${args.thread === null ? '(none)' : r.thread(args.thread)}` : ''}${other}` };
  }
  const data = hit[0]!.data;
  const ts = data.ts;
  const problems: string[] = [];
  if (args.ts === 'server') {
    if (!Number.isInteger(ts)) problems.push(`data.ts is ${JSON.stringify(ts)}, not an integer`);
    else if (Math.abs((ts as number) - r.nowMs()) > TS_WINDOW_MS) problems.push(`data.ts ${ts} is more than 10 minutes from the suite's clock (${r.nowMs()})`);
  } else if (typeof args.ts === 'number' && ts !== args.ts) {
    problems.push(`data.ts is ${JSON.stringify(ts)}, expected ${args.ts}`);
  }
  if (problems.length) {
    return { state: 'mismatch', message: `${type} receipt EDU for ${userId} on ${eventId}: ${problems.join('; ')}`, expected: { ts: args.ts }, actual: summary(hit[0]!) };
  }
  return { state: 'match' };
}

function evalNoEduReceipt(args: any, edu: ReceivedEdu, r: Resolver): Outcome {
  const roomId = args.room !== undefined ? roomRef(r, args.room) : undefined;
  const userId = args.user !== undefined ? r.user(args.user) : undefined;
  const eventId = args.event !== undefined ? r.event(args.event) : undefined;
  const found = eduReceiptEntries(edu).filter(
    (e) =>
      (roomId === undefined || e.roomId === roomId) &&
      (userId === undefined || e.userId === userId) &&
      (eventId === undefined || (Array.isArray(e.eventIds) && e.eventIds.includes(eventId))) &&
      (args.type === undefined || e.type === args.type) &&
      threadMatches(e, args.thread, r),
  );
  if (found.length) {
    const what = [userId && `by ${userId}`, eventId && `on ${eventId}`, args.type && `of type ${args.type}`, roomId && `in ${roomId}`].filter(Boolean).join(' ');
    return { state: 'mismatch', message: `the target sent a receipt EDU ${what || '(any)'}, and must not`, expected: 'no such receipt in any EDU', actual: found.map(summary) };
  }
  return { state: 'match' };
}

function evalNoEduReceiptType(args: any, edu: ReceivedEdu, r: Resolver): Outcome {
  const roomId = args.room !== undefined ? roomRef(r, args.room) : undefined;
  const found = eduReceiptEntries(edu).filter((e) => e.type === args.type && (roomId === undefined || e.roomId === roomId));
  if (found.length) return { state: 'mismatch', message: `an m.receipt EDU uses the receipt type ${args.type}`, expected: `no ${args.type} key in any m.receipt EDU`, actual: found.map(summary) };
  return { state: 'match' };
}

/** Evaluates one EDU check against one received EDU. */
export function evalEduCheck(check: Check, edu: ReceivedEdu, r: Resolver): Outcome {
  const [kind, args] = checkKind(check);
  switch (kind) {
    case 'edu_receipt':
      return evalEduReceipt(args, edu, r);
    case 'no_edu_receipt':
      return evalNoEduReceipt(args, edu, r);
    case 'no_edu_receipt_type':
      return evalNoEduReceiptType(args, edu, r);
    default:
      throw new Error(`unknown EDU check kind ${kind}`);
  }
}

export interface EduProblem {
  rules: string[];
  strength: Level;
  message: string;
}

/** What is wrong with an m.receipt EDU the target sent: the schema (R-FED-02) and the receipt types (R-FED-04). */
export function receiptEduProblems(edu: Pick<ReceivedEdu, 'edu_type' | 'content'>): EduProblem[] {
  if (edu.edu_type !== 'm.receipt') return [];
  const out: EduProblem[] = [];
  const validate = validator('m.receipt-edu');
  if (!validate({ edu_type: edu.edu_type, content: edu.content })) {
    // Receipt-type keys are judged below, with the strength the spec gives each.
    // (ajv reports a bad key as an enum error on the room object plus a propertyNames error.)
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames' && !(e.keyword === 'enum' && e.instancePath.split('/').length === 3));
    if (errors.length) out.push({ rules: ['R-FED-02'], strength: 'MUST', message: `an m.receipt EDU breaks the EDU schema: ${ajvPath(errors)}` });
  }
  if (edu.content && typeof edu.content === 'object') {
    for (const [roomId, byType] of Object.entries(edu.content as object)) {
      if (!byType || typeof byType !== 'object') continue;
      for (const type of Object.keys(byType as object)) {
        if (type === 'm.read') continue;
        if (type === 'm.read.private') out.push({ rules: ['R-FED-04', 'R-PR-03'], strength: 'MUST', message: `an m.receipt EDU carries m.read.private receipts (room ${roomId})` });
        else out.push({ rules: ['R-FED-04'], strength: 'SHOULD', message: `an m.receipt EDU uses the receipt type ${type} (room ${roomId}); only m.read should be used` });
      }
    }
  }
  return out;
}


export interface EdusUntilArgs {
  until: Check[];
  throughout?: Check[];
  timeout_ms?: number;
}

/**
 * Reads the EDUs the target sends the fake, from where the previous wait stopped, until every `until`
 * check has passed (then to the end of that transaction). `throughout` checks must hold on every EDU
 * on the way.
 */
export async function edusUntil(ctx: ScenarioContext, where: string, args: EdusUntilArgs): Promise<void> {
  const fake = ctx.federation();
  const state = stateOf(ctx);
  const timeoutMs = args.timeout_ms ?? ctx.settings.syncTimeoutMs;
  const started = performance.now();
  const deadline = started + timeoutMs;
  const before = ctx.findings.length;
  const failedThroughout = new Set<Check>();
  const lastNote = new Map<Check, string>();
  let pending = [...args.until];
  let idx = ctx.eduSince;
  let seen = 0;
  let lastTxn: string | undefined;

  for (;;) {
    const list = fake.received.edus;
    if (idx >= list.length) {
      if (!pending.length) break;
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) break;
      try {
        await fake.waitForEdu(() => true, { since: idx, timeoutMs: remaining });
      } catch {
        break;
      }
      continue;
    }
    const edu = list[idx]!;
    // Once the until checks have passed, finish the transaction that satisfied them, and stop.
    if (!pending.length && edu.txnId !== lastTxn) break;
    idx += 1;
    seen += 1;
    lastTxn = edu.txnId;
    const tms = Math.round(performance.now() - started);

    for (const p of receiptEduProblems(edu)) {
      if (state.reported.has(p.message)) continue;
      state.reported.add(p.message);
      ctx.add({ where, rules: p.rules, level: ctx.levelOf(p.strength), message: p.message, actual: { edu_type: edu.edu_type, content: edu.content, txnId: edu.txnId } });
    }
    for (const check of args.throughout ?? []) {
      if (failedThroughout.has(check)) continue;
      const o = evalEduCheck(check, edu, ctx);
      if (o.state === 'mismatch') {
        failedThroughout.add(check);
        const { level, rules } = checkMeta(ctx, check);
        ctx.add({ where, rules, level, message: `EDU #${seen} (t=${tms} ms, txn ${edu.txnId}): ${o.message}`, expected: describeCheck(check), actual: o.actual });
      }
    }
    pending = pending.filter((check) => {
      const o = evalEduCheck(check, edu, ctx);
      if (o.state === 'match') return false;
      if (o.state === 'mismatch') {
        const { level, rules } = checkMeta(ctx, check);
        ctx.add({ where, rules, level, message: `EDU #${seen} (txn ${edu.txnId}): ${o.message}`, expected: o.expected, actual: o.actual });
        return false;
      }
      lastNote.set(check, `[t=${tms} ms] EDU #${seen}: ${o.note}`);
      return true;
    });
  }
  ctx.eduSince = idx;

  for (const check of pending) {
    const { level, rules } = checkMeta(ctx, check);
    ctx.add({
      where,
      rules,
      level,
      message: `no matching EDU within ${timeoutMs} ms (${seen} EDU(s) received): ${describeCheck(check)}; last: ${lastNote.get(check) ?? 'no EDU arrived'}`,
      expected: describeCheck(check),
      actual: lastNote.get(check) ?? 'nothing',
    });
  }
  if (ctx.findings.slice(before).some((f) => f.level !== 'INFO')) throw new StopScenario();
}

// ------------------------------------------------------------------------------------------ dispatch

export async function runFederationStep(ctx: ScenarioContext, where: string, kind: string, args: any): Promise<void> {
  switch (kind) {
    case 'remote_join':
      return remoteJoin(ctx, where, args);
    case 'remote_send':
      return remoteSend(ctx, where, args);
    case 'remote_release':
      return remoteRelease(ctx, where, args);
    case 'inject_receipt':
      return injectReceipt(ctx, where, args);
    case 'inject_edu':
      return injectEdu(ctx, where, args);
    case 'edus_until':
      return edusUntil(ctx, where, args);
    case 'deny_remote':
      return denyRemote(ctx, where, args);
    default:
      throw new HarnessError(`unknown federation step kind ${kind}`);
  }
}
