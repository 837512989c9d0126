import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { summary, syncReceipts } from '../receipts.ts';
import { ReceiptType } from './common.ts';

export const noReceiptType = defineCheck({
  kind: 'no_receipt_type',
  summary: 'No m.receipt content in the room uses this receipt type key.',
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), type: ReceiptType, ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const found = syncReceipts(sync, r.room(args.room)).filter((e) => e.type === args.type);
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `an m.receipt event uses the receipt type ${args.type}`, expected: `no ${args.type} key under m.receipt`, actual: found.map(summary) };
  },
});
