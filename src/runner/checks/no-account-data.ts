import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { roomAccountData } from '../sync-view.ts';
import { AccountDataType } from './account-data.ts';

export const noAccountData = defineCheck({
  kind: 'no_account_data',
  summary: "The room's account data in this response holds no event of this type.",
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), type: AccountDataType, ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const found = roomAccountData(sync, r.room(args.room)).filter((e) => e.type === args.type);
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `room account data ${args.type} appeared, and must not`, expected: `no ${args.type}`, actual: found };
  },
});
