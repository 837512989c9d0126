import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { timelineEventIds } from '../sync-view.ts';

export const timeline = defineCheck({
  kind: 'timeline',
  summary: "The event appears in the room's timeline (a sentinel). It stands for no receipt rule: when it never arrives, the scenario is blocked.",
  stream: 'sync',
  phase: 'event',
  defaultRules: [],
  args: Type.Object({ room: Type.Optional(Name.room()), event: Name.event(), ...CheckCommon }, { additionalProperties: false }),
  eval(args, sync, r) {
    const eventId = r.event(args.event);
    const refused = r.refused(eventId);
    if (refused) return { state: 'mismatch', message: `event ${eventId} will not arrive: ${refused}`, expected: `${eventId} in the timeline`, actual: refused };
    return timelineEventIds(sync, r.room(args.room)).includes(eventId) ? { state: 'match' } : { state: 'pending', note: `event ${eventId} not in the timeline yet` };
  },
});
