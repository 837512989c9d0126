import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, summary } from '../receipts.ts';
import { ReceiptType } from './common.ts';
import { forbidden } from './receipt-eval.ts';
import { NO_ROOM_ID, asReceipts } from './as-receipt.ts';

export const noAsReceipt = defineCheck({
  kind: 'no_as_receipt',
  summary: 'No m.receipt in the transaction holds a receipt matching every given field (one without a room_id counts for any room).',
  stream: 'appservice',
  phase: 'event',
  args: Type.Object(
    { room: Type.Optional(Name.roomRef()), user: Type.Optional(Name.actor()), event: Type.Optional(Name.event()), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ...CheckCommon },
    { additionalProperties: false, minProperties: 1 },
  ),
  eval(args, txn, r) {
    const want = { roomId: args.room === undefined ? undefined : r.roomRef(args.room), ...forbidden(args, r) };
    const found = asReceipts(txn).filter((e) => matches(e, e.roomId === NO_ROOM_ID ? { ...want, roomId: undefined } : want));
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `the application service was sent a ${describeWant(want)}, and must not be`, expected: 'no such receipt in any transaction', actual: found.map(summary) };
  },
});
