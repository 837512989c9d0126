import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { slotOf, syncReceipts } from '../receipts.ts';

export const onePerSlot = defineWindowCheck({
  kind: 'one_per_slot',
  summary: 'Within each response, each (user, receipt type, thread) appears on at most one event in the room.',
  stream: 'sync',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    for (const [i, sync] of responses.entries()) {
      const seen = new Map<string, unknown>();
      for (const e of syncReceipts(sync, roomId)) {
        const slot = slotOf(e);
        const prev = seen.get(slot);
        if (prev !== undefined && prev !== e.eventIds[0]) {
          return {
            state: 'mismatch',
            message: `response #${i + 1}: ${slot} is on two events: ${String(prev)} and ${String(e.eventIds[0])}`,
            expected: 'one event per (user, receipt type, thread)',
            actual: { slot, events: [prev, e.eventIds[0]] },
          };
        }
        seen.set(slot, e.eventIds[0]);
      }
    }
    return { state: 'match' };
  },
});
