import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, tsProblem } from '../receipts.ts';
import { ReceiptType, TsWant } from './common.ts';
import { slidingReceipts } from './sliding-view.ts';

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
    const want = { eventId: r.event(args.event), type: args.type ?? 'm.read', userId: r.user(args.user), thread: r.thread(args.thread) };
    const entries = slidingReceipts(item, r.room(args.room));
    const hit = entries.find((e) => matches(e, want));
    if (!hit) {
      const sameSlot = entries.filter((e) => matches(e, { ...want, thread: undefined }));
      const other = sameSlot.length ? `; seen with ${JSON.stringify(sameSlot.map((e) => e.data))}` : entries.length ? `; saw ${entries.length} other receipt(s)` : '';
      return { state: 'pending', note: `no ${describeWant(want)} in the receipts extension${other}` };
    }
    const problem = tsProblem(hit.data.ts, args.ts, r.nowMs());
    if (!problem) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)}: ${problem}`, expected: { ts: args.ts }, actual: hit.data };
  },
});
