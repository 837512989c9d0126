import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';

export const asEvent = defineCheck({
  kind: 'as_event',
  summary:
    "The event reaches the application service in a transaction's `events` (the AS is interested in the room). It stands for no receipt rule: when it never arrives, the scenario is blocked.",
  stream: 'appservice',
  phase: 'event',
  defaultRules: [],
  args: Type.Object({ room: Type.Optional(Name.room()), event: Name.event(), ...CheckCommon }, { additionalProperties: false }),
  eval(args, txn, r) {
    const eventId = r.event(args.event);
    const roomId = r.room(args.room);
    const hit = txn.events.find((e) => e.event_id === eventId);
    if (!hit) return { state: 'pending', note: `event ${eventId} not pushed yet (${txn.events.length} other event(s) in this transaction)` };
    if (hit.room_id !== roomId) return { state: 'mismatch', message: `event ${eventId} was pushed with room_id ${JSON.stringify(hit.room_id)}`, expected: { room_id: roomId }, actual: hit };
    return { state: 'match' };
  },
});
