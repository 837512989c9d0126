import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { syncReceipts } from '../receipts.ts';
import { exactlyThese } from './receipt-eval.ts';
import { ListedReceipts } from './common.ts';

export const onlyReceipts = defineWindowCheck({
  kind: 'only_receipts',
  summary: 'The receipts seen for the room over the wait are exactly these (the delta): nothing unchanged is repeated, nothing is missing.',
  stream: 'sync',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), receipts: ListedReceipts, ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    return exactlyThese(args.receipts, responses.flatMap((sync) => syncReceipts(sync, roomId)), r, 'the sync window');
  },
});
