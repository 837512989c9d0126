import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, summary, syncReceipts } from '../receipts.ts';
import { ReceiptType } from './common.ts';
import { forbidden } from './receipt-eval.ts';

export const noReceipt = defineCheck({
  kind: 'no_receipt',
  summary: 'No m.receipt event in the room holds a receipt by this user (on this event, of this type, in this thread, when given).',
  stream: 'sync',
  phase: 'event',
  args: Type.Object(
    { room: Type.Optional(Name.room()), user: Name.actor(), event: Type.Optional(Name.event()), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ...CheckCommon },
    { additionalProperties: false },
  ),
  eval(args, sync, r) {
    const want = forbidden(args, r);
    const found = syncReceipts(sync, r.room(args.room)).filter((e) => matches(e, want));
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)} appeared, and must not`, expected: 'no such receipt', actual: found.map(summary) };
  },
});
