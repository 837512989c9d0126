import Type from 'typebox';
import { enc } from '../../client/matrix.ts';
import { defineStep, Name } from '../kinds.ts';
import { Expect, judgeResponse } from '../response.ts';
import { callerFor } from './common.ts';

export const tokenInQuery = defineStep({
  kind: 'token_in_query',
  summary:
    'A local actor posts a receipt (or read markers) with an access token in the query string (?access_token=, deprecated since v1.11 and withdrawn by MSC4127), with or without its Authorization header. Reports show the token redacted.',
  args: Type.Object(
    {
      as: Name.local(),
      room: Type.Optional(Name.room()),
      event: Name.event(),
      endpoint: Type.Optional(Type.Union([Type.Literal('receipt'), Type.Literal('read_markers')], { description: 'POST /receipt/{type}/{event} (the default), or /read_markers with m.read set to the event.' })),
      type: Type.Optional(Type.String({ minLength: 1, description: 'The receipt type in the /receipt path; m.read by default.' })),
      token: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('bogus')], { description: "The token in the query string: the actor's own (the default) or one the server never issued." })),
      header: Type.Optional(Type.Boolean({ description: "Also send the actor's own token in the Authorization header (false by default)." })),
      expect: Type.Optional(Expect),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const { user, token } = callerFor(ctx, { as: args.as, ...(args.token === 'bogus' ? { auth: 'bogus' as const } : {}) });
    const room = enc(ctx.room(args.room));
    const event = ctx.event(args.event);
    const receipt = (args.endpoint ?? 'receipt') === 'receipt';
    const path = receipt ? `/rooms/${room}/receipt/${enc(args.type ?? 'm.read')}/${enc(event)}` : `/rooms/${room}/read_markers`;
    const res = await user.api.call('POST', path, {
      token: args.header ? user.accessToken : null,
      query: { access_token: token ?? undefined },
      json: receipt ? {} : { 'm.read': event },
    });
    judgeResponse(ctx, at, res, args.expect, { rules: [receipt ? 'R-CS-01' : 'R-RM-01'], status: 200 });
  },
});
