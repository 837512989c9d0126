import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, eduReceipts, matches, summary, tsProblem } from '../receipts.ts';
import { ReceiptType, TsWant } from './common.ts';
import { awaited, pendingNote } from './receipt-eval.ts';
import type { EduTxn } from '../streams/items.ts';

export function txnReceipts(txn: EduTxn) {
  return txn.edus.flatMap((edu, i) => eduReceipts(edu, i));
}

export const eduReceipt = defineCheck({
  kind: 'edu_receipt',
  summary: 'A transaction the target sent holds an m.receipt EDU with this receipt: content[room][type][user] whose event_ids hold the event.',
  stream: 'edus',
  phase: 'event',
  settledByLaterReceipt: true,
  args: Type.Object(
    { room: Type.Optional(Name.room()), user: Name.actor(), event: Name.event(), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ts: Type.Optional(TsWant), ...CheckCommon },
    { additionalProperties: false },
  ),
  eval(args, txn, r) {
    const want = { roomId: r.room(args.room), ...awaited(args, r) };
    const entries = txnReceipts(txn);
    const hit = entries.find((e) => matches(e, want));
    if (!hit) {
      const same = entries.filter((e) => matches(e, { ...want, thread: undefined }));
      // The receipt crossed federation, but not in its thread: evidence, not a reason to wait on.
      // (An EDU cannot hold two receipts of one user and type in a room, so the awaited one is not
      // still coming in this transaction; scenarios never leave an older receipt on the event pending.)
      if (same.length && want.thread !== undefined) {
        return { state: 'mismatch', message: `the ${want.type} receipt by ${want.userId} on ${want.eventId} arrived with thread ${JSON.stringify(same[0]!.data.thread_id ?? '(none)')}, not ${want.thread === null ? '(none)' : want.thread}`, expected: { thread_id: want.thread ?? '(absent)' }, actual: summary(same[0]!) };
      }
      return { state: 'pending', note: pendingNote(entries, want) };
    }
    const problem = tsProblem(hit.data.ts, args.ts, r.nowMs());
    if (!problem) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)}: data.${problem}`, expected: { ts: args.ts }, actual: summary(hit) };
  },
});
