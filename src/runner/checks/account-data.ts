import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { asObject } from '../json.ts';
import { roomAccountData } from '../sync-view.ts';

export const AccountDataType = Type.String({ minLength: 1, description: 'The account data event type, e.g. m.fully_read.' });

export const accountData = defineCheck({
  kind: 'account_data',
  summary: "The room's account_data holds an event of this type (pointing at this event, when given).",
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), type: AccountDataType, event_id: Type.Optional(Name.event()), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const events = roomAccountData(sync, r.room(args.room)).filter((e) => e.type === args.type);
    if (!events.length) return { state: 'pending', note: `no ${args.type} in room account data yet` };
    if (args.event_id === undefined) return { state: 'match' };
    const want = r.event(args.event_id);
    const got = asObject(events[events.length - 1]!.content)?.event_id;
    return got === want ? { state: 'match' } : { state: 'pending', note: `${args.type} points at ${JSON.stringify(got)}, waiting for ${want}` };
  },
});
