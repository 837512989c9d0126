import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { receiptEvents } from '../sync-view.ts';

export const noRoomId = defineCheck({
  kind: 'no_room_id',
  summary: 'm.receipt events in the room carry no room_id key.',
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const bad = receiptEvents(sync, r.room(args.room)).filter((e) => 'room_id' in e);
    if (!bad.length) return { state: 'match' };
    return { state: 'mismatch', message: 'an m.receipt event in /sync carries room_id', expected: 'no room_id key', actual: bad[0] };
  },
});
