import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { asObject } from '../json.ts';
import { ephemeralEvents } from '../sync-view.ts';

export const noEphemeralType = defineCheck({
  kind: 'no_ephemeral_type',
  summary: 'No ephemeral event of this type appears for the room.',
  stream: 'sync',
  phase: 'event',
  args: Type.Object({ room: Type.Optional(Name.room()), type: Type.String({ minLength: 1 }), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const found = ephemeralEvents(sync, r.room(args.room)).filter((e) => asObject(e)?.type === args.type);
    if (!found.length) return { state: 'match' };
    return { state: 'mismatch', message: `${found.length} ephemeral ${args.type} event(s) appeared, and must not`, expected: `no ${args.type} event`, actual: found };
  },
});
