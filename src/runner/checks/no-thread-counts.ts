import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { threadCounts } from '../sync-view.ts';

export const noThreadCounts = defineCheck({
  kind: 'no_thread_counts',
  summary: 'The room carries no unread_thread_notifications (a sync that did not ask for thread counts).',
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const threads = threadCounts(sync, r.room(args.room));
    if (!threads || !Object.keys(threads).length) return { state: 'match' };
    return { state: 'mismatch', message: 'unread_thread_notifications is present without the filter asking for it', expected: '(absent)', actual: threads };
  },
});
