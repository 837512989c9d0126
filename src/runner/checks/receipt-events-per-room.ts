import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { syncReceipts, threadCategory } from '../receipts.ts';
import { receiptEvents } from '../sync-view.ts';

export const receiptEventsPerRoom = defineWindowCheck({
  kind: 'receipt_events_per_room',
  summary: 'Each response holds at most one m.receipt event for the room, or one per thread category with per_thread.',
  stream: 'sync',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), per_thread: Type.Optional(Type.Boolean()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    for (const [i, sync] of responses.entries()) {
      const events = receiptEvents(sync, roomId);
      if (events.length <= 1) continue;
      const categories = new Set(syncReceipts(sync, roomId).map(threadCategory));
      const allowed = args.per_thread ? Math.max(1, categories.size) : 1;
      if (events.length <= allowed) continue;
      return {
        state: 'mismatch',
        message: `response #${i + 1} holds ${events.length} m.receipt events for the room${args.per_thread ? ` across ${categories.size} thread categories` : ''}; expected ${allowed === 1 ? 'one' : `at most ${allowed}`}`,
        expected: `${allowed} m.receipt event(s)`,
        actual: events,
      };
    }
    return { state: 'match' };
  },
});
