import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { asObject } from '../json.ts';
import { ephemeralEvents } from '../sync-view.ts';

export const ephemeral = defineCheck({
  kind: 'ephemeral',
  summary: 'An ephemeral event of this type appears for the room.',
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), type: Type.String({ minLength: 1 }), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    return ephemeralEvents(sync, r.room(args.room)).some((e) => asObject(e)?.type === args.type) ? { state: 'match' } : { state: 'pending', note: `no ephemeral ${args.type} event yet` };
  },
});
