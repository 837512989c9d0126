import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { slidingTimelineEventIds } from './sliding-view.ts';

export const slidingTimeline = defineCheck({
  kind: 'sliding_timeline',
  summary: "The event appears in the room's sliding sync timeline (a sentinel). It stands for no receipt rule: when it never arrives, the scenario is blocked.",
  stream: 'sliding',
  phase: 'event',
  defaultRules: [],
  args: Type.Object({ room: Type.Optional(Name.room()), event: Name.event(), ...CheckCommon }, { additionalProperties: false }),
  eval(args, item, r) {
    const eventId = r.event(args.event);
    return slidingTimelineEventIds(item, r.room(args.room)).includes(eventId) ? { state: 'match' } : { state: 'pending', note: `event ${eventId} not in the sliding timeline yet` };
  },
});
