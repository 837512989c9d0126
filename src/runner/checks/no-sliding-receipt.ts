import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, summary } from '../receipts.ts';
import { ReceiptType } from './common.ts';
import { forbidden } from './receipt-eval.ts';
import { slidingReceipts } from './sliding-view.ts';

export const noSlidingReceipt = defineCheck({
  kind: 'no_sliding_receipt',
  summary: "The sliding sync receipts extension holds no receipt by this user in the room (on this event, of this type, in this thread, when given).",
  stream: 'sliding',
  phase: 'event',
  args: Type.Object(
    { room: Type.Optional(Name.room()), user: Name.actor(), event: Type.Optional(Name.event()), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ...CheckCommon },
    { additionalProperties: false },
  ),
  eval(args, item, r) {
    const want = forbidden(args, r);
    const found = slidingReceipts(item, r.room(args.room)).filter((e) => matches(e, want));
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)} appeared in the receipts extension, and must not`, expected: 'no such receipt', actual: found.map(summary) };
  },
});
