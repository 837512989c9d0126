import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { summary, syncReceipts } from '../receipts.ts';

const Allowed = Type.Object(
  { user: Name.actor(), event: Name.event(), type: Type.Optional(Type.String({ minLength: 1, description: 'm.read when omitted.' })) },
  { additionalProperties: false },
);

export const noOtherReceipts = defineWindowCheck({
  kind: 'no_other_receipts',
  summary:
    'Over the wait, no receipt reached the client in the room except the listed ones: what a malformed or refused input would leak, whichever user, event or type it names.',
  stream: 'sync',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), except: Type.Array(Allowed), ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    const key = (user: string, event: unknown, type: string) => `${user} ${type} ${String(event)}`;
    const allowed = new Set(args.except.map((x) => key(r.user(x.user), r.event(x.event), x.type ?? 'm.read')));
    const others = responses.flatMap((sync) => syncReceipts(sync, roomId)).filter((e) => !allowed.has(key(e.userId, e.eventIds[0], e.type)));
    if (!others.length) return { state: 'match' };
    return {
      state: 'mismatch',
      message: `${others.length} other receipt(s) reached the client: ${others.map((e) => `${e.type} by ${e.userId} on ${String(e.eventIds[0])}`).join('; ')}`,
      expected: args.except.length ? `only ${[...allowed].join(', ')}` : 'no receipt',
      actual: others.map(summary),
    };
  },
});
