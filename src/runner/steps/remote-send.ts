import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { buildMessage, deliverAndAwait } from '../federation.ts';
import { ThreadReply } from './common.ts';

export const remoteSend = defineStep({
  kind: 'remote_send',
  summary:
    'A remote actor sends a message PDU through the fake server; the target must accept it, and the step ends once a local member sees it. With hold: true the PDU is only built (its name is usable) and waits for remote_release.',
  needs: 'federation',
  args: Type.Object(
    {
      as: Name.remote(),
      room: Type.Optional(Name.room()),
      body: Type.Optional(Type.String()),
      thread: ThreadReply,
      hold: Type.Optional(Type.Literal(true)),
      event: Type.Optional(Name.newEvent()),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const built = buildMessage(ctx, args);
    if (args.hold) {
      ctx.fed.held.set(args.event ?? built.eventId, built);
      return;
    }
    await deliverAndAwait(ctx, at, args.room, [built]);
  },
});
