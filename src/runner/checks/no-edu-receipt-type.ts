import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { summary } from '../receipts.ts';
import { ReceiptType } from './common.ts';
import { txnReceipts } from './edu-receipt.ts';

export const noEduReceiptType = defineCheck({
  kind: 'no_edu_receipt_type',
  summary: 'No m.receipt EDU of the transaction uses this receipt type key (in this room, when given).',
  stream: 'edus',
  phase: 'event',
  args: Type.Object({ type: ReceiptType, room: Type.Optional(Name.roomRef()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, txn, r) {
    const roomId = args.room === undefined ? undefined : r.roomRef(args.room);
    const found = txnReceipts(txn).filter((e) => e.type === args.type && (roomId === undefined || e.roomId === roomId));
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `an m.receipt EDU uses the receipt type ${args.type}`, expected: `no ${args.type} key in any m.receipt EDU`, actual: found.map(summary) };
  },
});
