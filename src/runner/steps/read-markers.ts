import Type from 'typebox';
import { enc } from '../../client/matrix.ts';
import { defineStep, Name } from '../kinds.ts';
import { Expect, judgeResponse } from '../response.ts';
import { Auth, Raw, callerFor } from './common.ts';
import { assertOwnBody, checkEmptyOk } from './receipt.ts';

export const readMarkers = defineStep({
  kind: 'read_markers',
  summary: 'A local actor posts /rooms/{room}/read_markers with the named markers. Without `expect`, the answer must be 200 {} (R-RM-01).',
  args: Type.Object(
    {
      as: Name.local(),
      room: Type.Optional(Name.room()),
      fully_read: Type.Optional(Name.event()),
      read: Type.Optional(Name.event()),
      read_private: Type.Optional(Name.event()),
      body: Type.Optional(Type.Unknown({ description: 'The whole JSON body, sent as-is.' })),
      raw: Type.Optional(Raw),
      auth: Type.Optional(Auth),
      expect: Type.Optional(Expect),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const { user, token, actor } = callerFor(ctx, args);
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
    const res = await user.api.call('POST', `/rooms/${enc(ctx.room(args.room))}/read_markers`, { token, actor, json, raw: args.raw, contentType: args.raw !== undefined ? 'application/json' : undefined });
    judgeResponse(ctx, at, res, args.expect, { rules: ['R-RM-01'], status: 200 });
    checkEmptyOk(ctx, at, res, 'R-RM-01');
  },
});
