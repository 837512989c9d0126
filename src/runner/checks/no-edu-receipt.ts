import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, summary } from '../receipts.ts';
import { ReceiptType } from './common.ts';
import { forbidden } from './receipt-eval.ts';
import { txnReceipts } from './edu-receipt.ts';

export const noEduReceipt = defineCheck({
  kind: 'no_edu_receipt',
  summary: 'No m.receipt EDU of the transaction holds a receipt matching every given field.',
  stream: 'edus',
  phase: 'event',
  args: Type.Object(
    { room: Type.Optional(Name.roomRef()), user: Type.Optional(Name.actor()), event: Type.Optional(Name.event()), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ...CheckCommon },
    { additionalProperties: false, minProperties: 1 },
  ),
  eval(args, txn, r) {
    const want = { roomId: args.room === undefined ? undefined : r.roomRef(args.room), ...forbidden(args, r) };
    const found = txnReceipts(txn).filter((e) => matches(e, want));
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `the target sent an EDU with a ${describeWant(want)}, and must not`, expected: 'no such receipt in any EDU', actual: found.map(summary) };
  },
});
