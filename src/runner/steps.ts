// One function per step kind. Setup steps that fail raise HarnessError (the scenario's status
// becomes error); steps under test are judged against their `expect`.
import type { ApiResult, MatrixUser } from '../client/matrix.ts';
import { enc } from '../client/matrix.ts';
import type { Step } from '../scenario/types.ts';
import { HarnessError, StopScenario, type ScenarioContext } from './context.ts';
import { judgeResponse, ajvPath } from './expect.ts';
import { validator } from '../scenario/schema.ts';

/** The suite's own bodies must be valid by the spec, or a verdict built on them means nothing. */
function assertOwnBody(schema: string, body: unknown): void {
  const validate = validator(schema);
  if (!validate(body)) throw new HarnessError(`the suite built a ${schema} body that breaks the spec's schema: ${ajvPath(validate.errors)}`);
}

/** /receipt and /read_markers answer 200 with an empty object (response schema maxProperties 0). */
function checkEmptyOk(ctx: ScenarioContext, where: string, res: ApiResult, rule: string): void {
  if (res.status !== 200) return;
  const validate = validator('empty-response');
  if (validate(res.json)) return;
  const level = ctx.levelOf('MUST');
  ctx.add({ where, rules: [rule], level, message: `the 200 answer is not an empty JSON object: ${res.text.slice(0, 200)}`, expected: {}, actual: res.json ?? res.text, request: res.record });
  if (level !== 'INFO') throw new StopScenario();
}
import { syncSnapshot, syncUntil } from './sync-wait.ts';
import { FEDERATION_STEP_KINDS, runFederationStep } from './federation-steps.ts';

function requireOk(res: ApiResult, what: string): void {
  if (res.status < 200 || res.status >= 300) {
    throw new HarnessError(`${what} failed: ${res.status} ${res.json?.errcode ?? ''} ${res.json?.error ?? res.text.slice(0, 200)}`, res.record);
  }
}

/** A step under test when it has `expect`; plain setup otherwise. */
function judgeOrRequire(ctx: ScenarioContext, where: string, res: ApiResult, args: any, what: string): void {
  if (args.expect !== undefined) judgeResponse(ctx, where, res, args.expect, { rules: ctx.scenario.rules });
  else requireOk(res, what);
}

function callerFor(ctx: ScenarioContext, args: any): { user: MatrixUser; token: string | null } {
  const user = ctx.actor(args.as);
  const token = args.auth === 'none' ? null : args.auth === 'bogus' ? `rc_bogus_${ctx.settings.runPrefix}_not_a_token` : user.accessToken;
  return { user, token };
}

async function createRoom(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const creator = ctx.actor(args.as);
  const joiners: string[] = args.join ?? [];
  const preset = args.preset ?? 'private_chat';
  const invite = new Set<string>(args.invite ?? []);
  if (preset !== 'public_chat') for (const j of joiners) invite.add(j);
  const body: Record<string, unknown> = {
    preset,
    name: `${ctx.settings.runPrefix} ${ctx.scenario.id} ${args.room}`,
    invite: [...invite].map((a) => ctx.user(a)),
  };
  if (args.room_version) body.room_version = args.room_version;
  if (args.power_levels) body.power_level_content_override = args.power_levels;
  const res = await creator.createRoom(body);
  judgeOrRequire(ctx, where, res, args, `creating room ${args.room}`);
  if (typeof res.json?.room_id !== 'string') throw new HarnessError(`creating room ${args.room}: no room_id in ${res.text.slice(0, 200)}`, res.record);
  ctx.rooms.set(args.room, res.json.room_id);
  // Joins in parallel: they are independent, and each is confirmed by the server before it answers.
  await Promise.all(joiners.map(async (j) => requireOk(await ctx.actor(j).join(res.json.room_id), `${j} joining ${args.room}`)));
}

function messageContent(ctx: ScenarioContext, args: any): Record<string, unknown> {
  const content: Record<string, unknown> = args.content ? ctx.fill(structuredClone(args.content)) : { msgtype: 'm.text', body: args.body ?? `${args.event ?? 'message'} from ${args.as}` };
  if (args.relates_to) {
    content['m.relates_to'] = { rel_type: args.relates_to.rel_type, event_id: ctx.event(args.relates_to.to), ...(args.relates_to.key ? { key: args.relates_to.key } : {}) };
  }
  if (args.mention?.length) {
    const ids = args.mention.map((a: string) => ctx.user(a));
    content['m.mentions'] = { user_ids: ids };
    content.body = `${ids.join(' ')}: ${content.body ?? ''}`;
  }
  if (args.thread) {
    const root = ctx.event(args.thread);
    content['m.relates_to'] = { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } };
  }
  return content;
}

async function send(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const user = ctx.actor(args.as);
  const roomId = ctx.room(args.room);
  const type = args.type ?? 'm.room.message';
  const content = args.type && !args.content && args.body === undefined && !args.relates_to ? {} : messageContent(ctx, args);
  const res = args.state_key !== undefined ? await user.sendState(roomId, type, args.state_key, content) : await user.sendEvent(roomId, type, content, ctx.txnId());
  judgeOrRequire(ctx, where, res, args, `sending ${args.event ?? type}`);
  if (args.event) {
    if (typeof res.json?.event_id !== 'string') throw new HarnessError(`sending ${args.event}: no event_id in ${res.text.slice(0, 200)}`, res.record);
    ctx.events.set(args.event, res.json.event_id);
  }
}

async function react(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const user = ctx.actor(args.as);
  const content = { 'm.relates_to': { rel_type: 'm.annotation', event_id: ctx.event(args.to), key: args.key ?? '👍' } };
  const res = await user.sendEvent(ctx.room(args.room), 'm.reaction', content, ctx.txnId());
  judgeOrRequire(ctx, where, res, args, `reacting to ${args.to}`);
  if (args.event) ctx.events.set(args.event, res.json.event_id);
}

async function receipt(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const { user, token } = callerFor(ctx, args);
  const type = args.type ?? 'm.read';
  const path = `/rooms/${enc(ctx.room(args.room))}/receipt/${enc(type)}/${enc(ctx.event(args.event))}`;
  let json: unknown;
  const method = args.method ?? 'POST';
  if (args.raw === undefined && method !== 'GET') {
    if (args.body !== undefined) json = args.body;
    else {
      json = args.thread !== undefined ? { thread_id: ctx.thread(args.thread) } : {};
      assertOwnBody('receipt-request', json);
    }
  }
  const res = await user.api.call(method, path, { token, json, raw: args.raw, contentType: args.raw !== undefined ? 'application/json' : undefined });
  judgeResponse(ctx, where, res, args.expect, { rules: ['R-CS-01'], status: 200 });
  if (method === 'POST') checkEmptyOk(ctx, where, res, 'R-CS-01');
}

async function readMarkers(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const { user, token } = callerFor(ctx, args);
  let json: unknown;
  if (args.raw === undefined) {
    if (args.body !== undefined) json = args.body;
    else {
      const body: Record<string, string> = {};
      if (args.fully_read) body['m.fully_read'] = ctx.event(args.fully_read);
      if (args.read) body['m.read'] = ctx.event(args.read);
      if (args.read_private) body['m.read.private'] = ctx.event(args.read_private);
      assertOwnBody('read-markers-request', body);
      json = body;
    }
  }
  const res = await user.api.call('POST', `/rooms/${enc(ctx.room(args.room))}/read_markers`, { token, json, raw: args.raw, contentType: args.raw !== undefined ? 'application/json' : undefined });
  judgeResponse(ctx, where, res, args.expect, { rules: ['R-RM-01'], status: 200 });
  checkEmptyOk(ctx, where, res, 'R-RM-01');
}

async function accountData(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const user = ctx.actor(args.as);
  const base = `/user/${enc(user.userId)}${args.room ? `/rooms/${enc(ctx.room(args.room))}` : ''}/account_data/${enc(args.type)}`;
  if (args.put) {
    const res = await user.call('PUT', base, { json: ctx.fill(args.put) });
    judgeOrRequire(ctx, where, res, args, `putting ${args.type}`);
    return;
  }
  const res = await user.call('GET', base);
  judgeResponse(ctx, where, res, args.expect, { rules: ctx.scenario.rules, status: 200 });
  if (args.content && res.status === 200) {
    const want: Record<string, unknown> = { ...args.content };
    if (typeof want.event_id === 'string') want.event_id = ctx.event(want.event_id);
    const wrong = Object.entries(want).filter(([k, v]) => JSON.stringify(res.json?.[k]) !== JSON.stringify(v));
    if (wrong.length) {
      ctx.add({ where, rules: ctx.scenario.rules, level: ctx.levelOf(), message: `account data ${args.type} differs in ${wrong.map(([k]) => k).join(', ')}`, expected: want, actual: res.json, request: res.record });
      if (ctx.levelOf() !== 'INFO') throw new StopScenario();
    }
  }
}

async function request(ctx: ScenarioContext, where: string, args: any): Promise<void> {
  const { user, token } = callerFor(ctx, args);
  const res = await user.api.call(args.method, ctx.fillPath(args.path), { token, json: args.raw === undefined ? ctx.fill(args.body) : undefined, raw: args.raw, contentType: args.raw !== undefined ? 'application/json' : undefined });
  judgeResponse(ctx, where, res, args.expect, { rules: ctx.scenario.rules });
}

async function membership(ctx: ScenarioContext, where: string, kind: string, args: any): Promise<void> {
  const user = ctx.actor(args.as);
  const roomId = ctx.room(args.room);
  const res = kind === 'join' ? await user.join(roomId) : await user.membership(roomId, kind as 'leave', args.user ? ctx.user(args.user) : undefined);
  judgeOrRequire(ctx, where, res, args, `${args.as} ${kind} ${args.room}${args.user ? ` (${args.user})` : ''}`);
}

export async function runStep(ctx: ScenarioContext, step: Step, index: number, outer?: string): Promise<void> {
  const [kind, args] = Object.entries(step)[0] as [string, any];
  const line = ctx.scenario.stepLines[index];
  const where = outer ? `${outer} ${kind}` : `step ${index + 1} ${kind}${line ? ` (line ${line})` : ''}`;
  switch (kind) {
    case 'create_room':
      return createRoom(ctx, where, args);
    case 'join':
    case 'leave':
    case 'invite':
    case 'kick':
    case 'ban':
      return membership(ctx, where, kind, args);
    case 'send':
      return send(ctx, where, args);
    case 'react':
      return react(ctx, where, args);
    case 'receipt':
      return receipt(ctx, where, args);
    case 'read_markers':
      return readMarkers(ctx, where, args);
    case 'account_data':
      return accountData(ctx, where, args);
    case 'request':
      return request(ctx, where, args);
    case 'sync':
      return syncSnapshot(ctx, where, { ...args, filter: ctx.fill(args.filter) });
    case 'parallel':
      // Independent requests at the same moment, e.g. several users posting receipts at once.
      await Promise.all((args as Step[]).map((inner, j) => runStep(ctx, inner, index, `${where} #${j + 1}`)));
      return;
    case 'sync_until':
      return syncUntil(ctx, where, { ...args, filter: ctx.fill(args.filter) });
    default:
      if (FEDERATION_STEP_KINDS.has(kind)) return runFederationStep(ctx, where, kind, args);
      throw new HarnessError(`unknown step kind ${kind}`);
  }
}
