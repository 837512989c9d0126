import Type from 'typebox';
import { defineStep, Name, Template } from '../kinds.ts';
import { Expect, judgeResponse } from '../response.ts';
import { Auth, Raw, callerFor } from './common.ts';

export const request = defineStep({
  kind: 'request',
  summary: 'A local actor makes any client-server request; the path is relative to the version prefix, with placeholders filled and percent-encoded.',
  args: Type.Object(
    {
      as: Name.local(),
      method: Type.String({ minLength: 1 }),
      path: Template.string('Client-server path after the version prefix; {room:NAME}, {event:NAME} and {user:NAME} are filled and escaped.'),
      body: Type.Optional(Template.any('A JSON body (placeholders filled).')),
      raw: Type.Optional(Raw),
      auth: Type.Optional(Auth),
      expect: Type.Optional(Expect),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const { user, token, actor } = callerFor(ctx, args);
    const res = await user.api.call(args.method, ctx.fillPath(args.path), {
      token,
      actor,
      json: args.raw === undefined ? ctx.fill(args.body) : undefined,
      raw: args.raw,
      contentType: args.raw !== undefined ? 'application/json' : undefined,
    });
    judgeResponse(ctx, at, res, args.expect);
  },
});
