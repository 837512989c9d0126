// The scenario's fake remote homeserver, and what the federation steps share: building its PDUs,
// sending transactions and judging the answer, and waiting until the target has applied PDUs.
import { FakeHomeserver, type FederationResponse } from '../federation/fake-server.ts';
import { enc, type ApiResult } from '../client/matrix.ts';
import { HarnessError, type ScenarioContext } from './context.ts';
import { asObject } from './json.ts';
import type { At } from './kinds.ts';
import { judgeResponse, type Expect } from './response.ts';
import { POSITION_ONLY, syncOnce } from './streams/sync.ts';
import { timelineEventIds, timelineLimited } from './sync-view.ts';
import { messageContent } from './steps/common.ts';

const LOG_LINES = 200;

/** One fake per scenario, on a fresh port: no backoff or key cache is shared between scenarios. */
export async function startFederation(ctx: ScenarioContext, baseUrl: string): Promise<void> {
  const debug = process.env.RC_FED_DEBUG ? (line: string) => process.stderr.write(`[fed ${ctx.scenario.id}] ${line}\n`) : undefined;
  const access = ctx.settings.federation;
  ctx.fed.fake = await FakeHomeserver.start({
    target: { serverName: access?.serverName ?? ctx.serverName(), baseUrl: access?.baseUrl ?? baseUrl, ...(access?.hostHeader ? { hostHeader: access.hostHeader } : {}) },
    ...(access?.bindHost ? { bindHost: access.bindHost } : {}),
    ...(access?.advertisedHost ? { advertisedHost: access.advertisedHost } : {}),
    requestTimeoutMs: 20_000,
    log: (line) => {
      ctx.fed.log.push(line);
      if (ctx.fed.log.length > LOG_LINES) ctx.fed.log.shift();
      debug?.(line);
    },
  });
}

export async function stopFederation(ctx: ScenarioContext): Promise<void> {
  await ctx.fed.fake?.stop();
}

/** A harness error carrying the fake's last log lines. */
export function fedError(ctx: ScenarioContext, message: string): HarnessError {
  const tail = ctx.fed.log.slice(-5).join(' | ');
  return new HarnessError(tail ? `${message} (fake server log: ${tail})` : message);
}

/** A message PDU by a remote actor, signed by the fake; its name is usable at once. */
export function buildMessage(ctx: ScenarioContext, args: { as: string; room?: string; event?: string; body?: string; thread?: string }): { roomName?: string; event: object; eventId: string } {
  const { event, eventId } = ctx.federation().createEvent(ctx.room(args.room), { type: 'm.room.message', sender: ctx.remoteUser(args.as), content: messageContent(ctx, args) });
  if (args.event) ctx.events.set(args.event, eventId);
  return { roomName: args.room, event, eventId };
}

function txnIdFor(ctx: ScenarioContext, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  let id = ctx.fed.txnIds.get(name);
  if (!id) ctx.fed.txnIds.set(name, (id = `rc.${ctx.txnId()}.${name}`));
  return id;
}

/** The /send answer in the shape judgeResponse reads. */
function asApiResult(res: FederationResponse, txnId: string | undefined, body: unknown): ApiResult {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? null);
  return {
    status: res.status,
    json: asObject(res.body) ?? (Array.isArray(res.body) ? res.body : undefined),
    text,
    ms: 0,
    record: { method: 'PUT', path: `/_matrix/federation/v1/send/${txnId ?? '(generated)'}`, body, status: res.status, response: res.body },
  };
}

export interface Transaction {
  pdus?: object[];
  /** The IDs of `pdus`: a refused transaction marks them as never arriving. */
  pduIds?: string[];
  edus?: { edu_type: string; content: unknown }[];
  txn_id?: string;
  expect?: Expect;
}

/** Sends one transaction and judges the answer: `expect` (200 by default), and that a 200 holds a pdus object (R-FED-10). */
export async function transact(ctx: ScenarioContext, at: At, t: Transaction): Promise<FederationResponse> {
  const txnId = txnIdFor(ctx, t.txn_id);
  let res: FederationResponse;
  try {
    res = await ctx.federation().sendTransaction({ pdus: t.pdus ?? [], edus: t.edus ?? [], ...(txnId === undefined ? {} : { txnId }) });
  } catch (e) {
    throw fedError(ctx, `${at.where}: PUT /send to the target failed: ${(e as Error).message}`);
  }
  const result = asApiResult(res, txnId, { pdus: t.pdus ?? [], edus: t.edus ?? [] });
  if (res.status === 200) {
    const pdus = asObject(asObject(res.body)?.pdus);
    ctx.record(
      { where: at.where, check: 'the 200 answer to PUT /send holds a pdus object', defaultRules: ['R-FED-10'] },
      pdus ? { ok: true } : { ok: false, message: 'the 200 answer to PUT /send has no pdus object', expected: '{"pdus": {...}}', actual: res.body, request: result.record },
    );
  }
  judgeResponse(ctx, at, result, t.expect, { rules: ['R-FED-10'], status: 200 });
  if (res.status >= 400) for (const id of t.pduIds ?? []) ctx.refusedEvents.set(id, `the transaction that carried it (${at.where}) was refused with ${res.status}`);
  return res;
}

/** Sends PDUs as setup: the target must accept every one of them. */
async function deliverPdus(ctx: ScenarioContext, at: At, built: { event: object; eventId: string }[]): Promise<void> {
  const res = await ctx
    .federation()
    .sendTransaction({ pdus: built.map((b) => b.event) })
    .catch((e: Error) => {
      throw fedError(ctx, `${at.where}: PUT /send to the target failed: ${e.message}`);
    });
  const results = asObject(asObject(res.body)?.pdus);
  if (res.status !== 200 || !results) throw fedError(ctx, `${at.where}: the target answered PUT /send with ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  for (const b of built) {
    const error = asObject(results[b.eventId])?.error;
    if (error !== undefined) throw fedError(ctx, `${at.where}: the target rejected ${b.eventId}: ${JSON.stringify(results[b.eventId])}`);
  }
}

/** A local actor in the room: its creator (scenarios create every room they use). */
function localMember(ctx: ScenarioContext, roomName: string | undefined): string {
  for (const step of ctx.scenario.steps) {
    const args = asObject(step.create_room);
    if (args && (args.room ?? 'room') === (roomName ?? (args.room ?? 'room'))) return String(args.as);
  }
  throw new HarnessError(`no create_room step for ${roomName ?? 'the room'}`);
}

/**
 * Delivers PDUs and waits until the target has persisted them: a homeserver may answer PUT /send
 * before it has processed the PDUs (Synapse stages them), and a receipt on an event it does not
 * have yet would race with it. The wait long-polls the room creator's /sync from a private
 * position with a filter that sees only the room's timeline, so the scenario's own positions stay.
 */
export async function deliverAndAwait(ctx: ScenarioContext, at: At, roomName: string | undefined, built: { event: object; eventId: string }[]): Promise<void> {
  const actor = localMember(ctx, roomName);
  const roomId = ctx.room(roomName);
  const first = await syncOnce(ctx, actor, { filter: POSITION_ONLY, timeoutMs: 0, where: at.where });
  await deliverPdus(ctx, at, built);
  const filter = {
    room: { rooms: [roomId], timeline: { limit: 50 }, state: { types: [] }, ephemeral: { types: [] }, account_data: { types: [] } },
    presence: { types: [] },
    account_data: { types: [] },
  };
  const missing = new Set(built.map((b) => b.eventId));
  const deadline = performance.now() + ctx.settings.syncTimeoutMs;
  let since = first.next_batch as string;
  while (missing.size) {
    const remaining = Math.floor(deadline - performance.now());
    if (remaining <= 0) throw fedError(ctx, `${at.where}: the target accepted ${[...missing].join(', ')} but ${actor} did not see it within ${ctx.settings.syncTimeoutMs} ms`);
    const sync = await syncOnce(ctx, actor, { since, filter, timeoutMs: Math.min(ctx.settings.pollMs, remaining), where: at.where });
    since = sync.next_batch as string;
    const seen = timelineEventIds(sync, roomId);
    for (const id of seen) missing.delete(id);
    // A limited timeline skipped events (a server that ignores the filter's limit gives 10): ask
    // for the ones still missing by ID instead of waiting for a /sync that will not bring them.
    if (missing.size && seen.length && timelineLimited(sync, roomId)) {
      for (const id of [...missing]) {
        const res = await ctx.actor(actor).call('GET', `/rooms/${enc(roomId)}/event/${enc(id)}`);
        if (res.status === 200) missing.delete(id);
      }
    }
  }
}
