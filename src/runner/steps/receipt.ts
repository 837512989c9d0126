import Type from 'typebox';
import { enc, type ApiResult } from '../../client/matrix.ts';
import { validator, ajvPath } from '../../scenario/schema.ts';
import { defineStep, Name, type At } from '../kinds.ts';
import { Expect, judgeResponse } from '../response.ts';
import { HarnessError, type ScenarioContext } from '../context.ts';
import { waitUntil } from '../wait.ts';
import { syncStream } from '../streams/sync.ts';
import { Auth, Method, Raw, callerFor } from './common.ts';

/** The suite's own bodies must be valid by the spec, or a verdict built on them means nothing. */
export function assertOwnBody(schema: 'receipt-request' | 'read-markers-request', body: unknown): void {
  const validate = validator(schema);
  if (!validate(body)) throw new HarnessError(`the suite built a ${schema} body that breaks the spec's schema: ${ajvPath(validate.errors)}`);
}

/** /receipt and /read_markers answer 200 with an empty JSON object (the response schema allows no keys). */
export function checkEmptyOk(ctx: ScenarioContext, at: At, res: ApiResult, rule: string): void {
  if (res.status !== 200) return;
  const ok = validator('empty-response')(res.json);
  ctx.record({ where: at.where, check: 'the 200 answer is {}', defaultRules: [rule] }, ok ? { ok } : { ok, message: `the 200 answer is not an empty JSON object: ${res.text.slice(0, 200)}`, expected: {}, actual: res.json ?? res.text, request: res.record });
}

export const receipt = defineStep({
  kind: 'receipt',
  summary:
    'A local actor posts a receipt: POST /rooms/{room}/receipt/{type}/{event}. Without `expect`, the answer must be 200 {} (R-CS-01). With `seen_by`, the step then waits until each of those actors sees the receipt in /sync.',
  args: Type.Object(
    {
      as: Name.local(),
      room: Type.Optional(Name.room()),
      event: Name.event(),
      type: Type.Optional(Type.String({ minLength: 1, description: 'The receipt type in the path; m.read by default.' })),
      thread: Type.Optional(Name.thread('thread_id in the body: main, or a thread root.')),
      body: Type.Optional(Type.Unknown({ description: 'The whole JSON body, sent as-is (thread_id values here are literal).' })),
      raw: Type.Optional(Raw),
      method: Type.Optional(Method),
      auth: Type.Optional(Auth),
      expect: Type.Optional(Expect),
      seen_by: Type.Optional(Type.Union([Name.local(), Type.Array(Name.local(), { minItems: 1 })], { description: 'Actors who must then see the receipt in /sync.' })),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const { user, token, actor } = callerFor(ctx, args);
    const type = args.type ?? 'm.read';
    const method = args.method ?? 'POST';
    let json: unknown;
    if (args.raw === undefined && method !== 'GET') {
      if (args.body !== undefined) json = args.body;
      else {
        json = args.thread !== undefined ? { thread_id: ctx.thread(args.thread) } : {};
        assertOwnBody('receipt-request', json);
      }
    }
    const path = `/rooms/${enc(ctx.room(args.room))}/receipt/${enc(type)}/${enc(ctx.event(args.event))}`;
    const res = await user.api.call(method, path, { token, actor, json, raw: args.raw, contentType: args.raw !== undefined ? 'application/json' : undefined });
    judgeResponse(ctx, at, res, args.expect, { rules: ['R-CS-01'], status: 200 });
    if (method === 'POST') checkEmptyOk(ctx, at, res, 'R-CS-01');
    if (args.seen_by === undefined || res.status < 200 || res.status >= 300) return;
    const observers = Array.isArray(args.seen_by) ? args.seen_by : [args.seen_by];
    const check = { receipt: { room: args.room, event: args.event, user: args.as, type, ...(args.thread !== undefined ? { thread: args.thread } : {}) } };
    await Promise.all(
      observers.map((actor) => {
        const where = `${at.where} seen_by ${actor}`;
        return waitUntil(ctx, { where }, 'sync', syncStream(ctx, actor, undefined, where), { until: [check], timeoutMs: ctx.settings.syncTimeoutMs });
      }),
    );
  },
});
