import Type from 'typebox';
import { isDeepStrictEqual } from 'node:util';
import { enc } from '../../client/matrix.ts';
import { defineStep, Name, Template } from '../kinds.ts';
import { Expect, judgeOrRequire, judgeResponse } from '../response.ts';
import { asObject } from '../json.ts';

const Common = { as: Name.local(), type: Type.String({ minLength: 1 }), expect: Type.Optional(Expect) };
const InRoom = { room: Type.Optional(Name.room()) };
const Global = { global: Type.Literal(true, { description: "The user's global account data instead of the room's." }) };
const Put = { put: Template.object('The content to PUT.') };
const Get = { get: Type.Literal(true), content: Type.Optional(Type.Record(Type.String(), Type.Unknown())) };
const closed = { additionalProperties: false } as const;

export const accountData = defineStep({
  kind: 'account_data',
  summary: "A local actor PUTs or GETs its account data of a type, in the room (the default) or global. With `get`, `content` lists keys the answer must hold (event names under event_id are resolved).",
  args: Type.Union([
    Type.Object({ ...Common, ...InRoom, ...Put }, closed),
    Type.Object({ ...Common, ...Global, ...Put }, closed),
    Type.Object({ ...Common, ...InRoom, ...Get }, closed),
    Type.Object({ ...Common, ...Global, ...Get }, closed),
  ]),
  async run(ctx, args, at) {
    const user = ctx.actor(args.as);
    const base = `/user/${enc(user.userId)}${'global' in args ? '' : `/rooms/${enc(ctx.room(args.room))}`}/account_data/${enc(args.type)}`;
    if ('put' in args) {
      judgeOrRequire(ctx, at, await user.call('PUT', base, { json: ctx.fill(args.put) }), args.expect, `putting ${args.type}`);
      return;
    }
    const res = await user.call('GET', base);
    judgeResponse(ctx, at, res, args.expect, { status: 200 });
    if (!args.content || res.status !== 200) return;
    const want: Record<string, unknown> = { ...args.content };
    if (typeof want.event_id === 'string') want.event_id = ctx.event(want.event_id);
    const got = asObject(res.json) ?? {};
    const wrong = Object.entries(want).filter(([k, v]) => !isDeepStrictEqual(got[k], v));
    ctx.record(
      { where: at.where, check: `account data ${args.type} holds ${JSON.stringify(args.content)}` },
      wrong.length ? { ok: false, message: `account data ${args.type} differs in ${wrong.map(([k]) => k).join(', ')}`, expected: want, actual: res.json, request: res.record } : { ok: true },
    );
  },
});
