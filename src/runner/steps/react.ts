import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { Expect, judgeOrRequire } from '../response.ts';
import { HarnessError } from '../context.ts';
import { asObject, truncate } from '../json.ts';

export const react = defineStep({
  kind: 'react',
  summary: 'A local actor reacts (m.annotation) to an event.',
  args: Type.Object(
    { as: Name.local(), room: Type.Optional(Name.room()), to: Name.event(), key: Type.Optional(Type.String()), expect: Type.Optional(Expect), event: Type.Optional(Name.newEvent()) },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const content = { 'm.relates_to': { rel_type: 'm.annotation', event_id: ctx.event(args.to), key: args.key ?? '👍' } };
    const res = await ctx.actor(args.as).sendEvent(ctx.room(args.room), 'm.reaction', content, ctx.txnId());
    judgeOrRequire(ctx, at, res, args.expect, `reacting to ${args.to}`);
    if (!args.event) return;
    const eventId = asObject(res.json)?.event_id;
    if (typeof eventId !== 'string') throw new HarnessError(`reacting to ${args.to}: no event_id in ${truncate(res.text, 200)}`, res.record);
    ctx.events.set(args.event, eventId);
  },
});
