import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { summary, type ReceiptEntry } from '../receipts.ts';
import { slidingReceipts } from './sliding-view.ts';

const Expected = Type.Object(
  { user: Name.actor(), event: Name.event(), type: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const onlySlidingReceipts = defineWindowCheck({
  kind: 'only_sliding_receipts',
  summary: 'The receipts the extension carried for the room over the wait are exactly these (the delta): nothing unchanged is repeated, nothing is missing.',
  stream: 'sliding',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), receipts: Type.Array(Expected, { minItems: 1 }), ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    const key = (user: string, event: unknown, type: string) => `${user} ${type} ${String(event)}`;
    const want = new Set(args.receipts.map((x) => key(r.user(x.user), r.event(x.event), x.type ?? 'm.read')));
    const seen = new Map<string, ReceiptEntry>();
    for (const item of responses) for (const e of slidingReceipts(item, roomId)) seen.set(key(e.userId, e.eventIds[0], e.type), e);
    const extra = [...seen.entries()].filter(([k]) => !want.has(k)).map(([, e]) => summary(e));
    const missing = [...want].filter((k) => !seen.has(k));
    if (!extra.length && !missing.length) return { state: 'match' };
    return {
      state: 'mismatch',
      message: extra.length ? `the sliding sync responses repeated ${extra.length} receipt(s) that did not change` : `the sliding sync responses lacked ${missing.length} receipt(s)`,
      expected: [...want],
      actual: [...seen.values()].map(summary),
    };
  },
});
