import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, tsProblem } from '../receipts.ts';
import { ReceiptType, TsWant } from './common.ts';
import { slidingReceipts } from './sliding-view.ts';
import { awaited, pendingNote } from './receipt-eval.ts';

export const slidingReceipt = defineCheck({
  kind: 'sliding_receipt',
  summary: "The sliding sync receipts extension (MSC3960) holds this receipt in the room's m.receipt event: extensions.receipts.rooms[room].content[event][type][user].",
  stream: 'sliding',
  phase: 'event',
  settledByLaterReceipt: true,
  args: Type.Object(
    {
      room: Type.Optional(Name.room()),
      event: Name.event(),
      user: Name.actor(),
      type: Type.Optional(ReceiptType),
      thread: Type.Optional(ThreadOrNone),
      ts: Type.Optional(TsWant),
      ...CheckCommon,
    },
    { additionalProperties: false },
  ),
  eval(args, item, r) {
    const want = awaited(args, r);
    const entries = slidingReceipts(item, r.room(args.room));
    const hit = entries.find((e) => matches(e, want));
    if (!hit) return { state: 'pending', note: pendingNote(entries, want, ' in the receipts extension') };
    const problem = tsProblem(hit.data.ts, args.ts, r.nowMs());
    if (!problem) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)}: ${problem}`, expected: { ts: args.ts }, actual: hit.data };
  },
});
