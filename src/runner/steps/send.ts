import Type from 'typebox';
import { defineStep, Name, Template } from '../kinds.ts';
import { Expect, judgeOrRequire } from '../response.ts';
import { HarnessError } from '../context.ts';
import { asObject, truncate } from '../json.ts';
import { messageContent, ThreadReply } from './common.ts';

export const send = defineStep({
  kind: 'send',
  summary: 'A local actor sends an event: a text message by default; a thread reply, a mention, a relation, any type or a state event on request.',
  args: Type.Object(
    {
      as: Name.local(),
      room: Type.Optional(Name.room()),
      body: Type.Optional(Type.String()),
      type: Type.Optional(Type.String({ minLength: 1, description: 'The event type; m.room.message by default.' })),
      content: Type.Optional(Template.object('The whole event content, sent as given (placeholders filled).')),
      state_key: Type.Optional(Type.String({ description: 'Send a state event with this state key.' })),
      thread: ThreadReply,
      mention: Type.Optional(Type.Array(Name.local(), { description: 'Mention these actors (m.mentions and body), which highlights.' })),
      relates_to: Type.Optional(
        Type.Object(
          { rel_type: Type.String({ minLength: 1 }), to: Name.event(), key: Type.Optional(Type.String()) },
          { additionalProperties: false, description: 'An m.relates_to of this rel_type to a named event (m.reference, m.annotation…).' },
        ),
      ),
      expect: Type.Optional(Expect),
      event: Type.Optional(Name.newEvent()),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const user = ctx.actor(args.as);
    const roomId = ctx.room(args.room);
    const type = args.type ?? 'm.room.message';
    const bare = args.type !== undefined && !args.content && args.body === undefined && !args.relates_to;
    const content: Record<string, unknown> = bare ? {} : args.content ? ctx.fill(structuredClone(args.content)) : messageContent(ctx, args);
    if (args.relates_to) {
      const { rel_type, to, key } = args.relates_to;
      content['m.relates_to'] = { rel_type, event_id: ctx.event(to), ...(key ? { key } : {}) };
    }
    if (args.mention?.length) {
      const ids = args.mention.map((a) => ctx.user(a));
      content['m.mentions'] = { user_ids: ids };
      content.body = `${ids.join(' ')}: ${String(content.body ?? '')}`;
    }
    const res = args.state_key !== undefined ? await user.sendState(roomId, type, args.state_key, content) : await user.sendEvent(roomId, type, content, ctx.txnId());
    judgeOrRequire(ctx, at, res, args.expect, `sending ${args.event ?? type}`);
    if (!args.event) return;
    const eventId = asObject(res.json)?.event_id;
    if (typeof eventId !== 'string') throw new HarnessError(`sending ${args.event}: no event_id in ${truncate(res.text, 200)}`, res.record);
    ctx.events.set(args.event, eventId);
  },
});
