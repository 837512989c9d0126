import Type from 'typebox';
import { CheckCommon, Name, defineWindowCheck } from '../kinds.ts';
import { slidingReceipts } from './sliding-view.ts';
import { exactlyThese } from './receipt-eval.ts';
import { ListedReceipts } from './common.ts';

export const onlySlidingReceipts = defineWindowCheck({
  kind: 'only_sliding_receipts',
  summary: 'The receipts the extension carried for the room over the wait are exactly these (the delta): nothing unchanged is repeated, nothing is missing.',
  stream: 'sliding',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), receipts: ListedReceipts, ...CheckCommon }, { additionalProperties: false }),
  eval(args, responses, r) {
    const roomId = r.room(args.room);
    return exactlyThese(args.receipts, responses.flatMap((item) => slidingReceipts(item, roomId)), r, 'the sliding sync responses');
  },
});
