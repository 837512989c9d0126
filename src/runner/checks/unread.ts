import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { unreadCounts, type Counts } from '../sync-view.ts';

const Count = Type.Integer({ minimum: 0 });
const ThreadCounts = Type.Object({ notification_count: Type.Optional(Count), highlight_count: Type.Optional(Count) }, { additionalProperties: false });
const KEYS = ['notification_count', 'highlight_count'] as const;

function wrongCounts(label: string, got: Counts | undefined, want: { notification_count?: number; highlight_count?: number }): string[] {
  return KEYS.filter((k) => want[k] !== undefined && (got?.[k] ?? 0) !== want[k]).map((k) => `${label}${k} ${JSON.stringify(got?.[k] ?? 0)}, expected ${want[k]}`);
}

export const unread = defineCheck({
  kind: 'unread',
  summary:
    "The room's unread_notifications (and, per thread root, unread_thread_notifications) hold these counts. A thread root absent from unread_thread_notifications counts as zero. Read once the other checks of the wait have matched; the last reading counts.",
  stream: 'sync',
  phase: 'state',
  settledByLaterReceipt: true,
  args: Type.Object(
    {
      room: Type.Optional(Name.room()),
      notification_count: Type.Optional(Count),
      highlight_count: Type.Optional(Count),
      threads: Type.Optional(Type.Record(Type.String(), ThreadCounts, { 'x-name-keys': 'event', description: 'Thread root name -> its counts.' })),
      same_response: Type.Optional(Type.Boolean({ description: 'The counts must already hold in the response that carried the awaited events (R-NT-04), not merely later.' })),
      ...CheckCommon,
    },
    { additionalProperties: false },
  ),
  eval(args, sync, r) {
    const counts = unreadCounts(sync, r.room(args.room));
    if (!counts) return { state: 'pending', note: 'room absent from this response, or no unread_notifications' };
    const wrong = wrongCounts('', counts.main, args);
    for (const [rootRef, want] of Object.entries(args.threads ?? {})) wrong.push(...wrongCounts(`thread ${rootRef}: `, counts.threads?.[r.event(rootRef)], want));
    if (!wrong.length) return { state: 'match' };
    const seen = { ...counts.main, ...(args.threads ? { threads: counts.threads ?? '(absent)' } : {}) };
    return { state: 'pending', note: `${wrong.join('; ')} (seen ${JSON.stringify(seen)})` };
  },
});
