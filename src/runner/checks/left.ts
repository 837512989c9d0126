// Membership is setup, not a receipt rule: the check stands for no rule unless the scenario gives it one.
import Type from 'typebox';
import { CheckCommon, Name, defineCheck } from '../kinds.ts';
import { roomSection } from '../sync-view.ts';

const args = Type.Object({ room: Type.Optional(Name.room()), ...CheckCommon }, { additionalProperties: false });

export const left = defineCheck({
  kind: 'left',
  summary: 'The room appears under rooms.leave.',
  stream: 'sync',
  phase: 'event',
  defaultRules: [],
  args,
  eval: (a, sync, r) => (roomSection(sync, r.room(a.room))?.section === 'leave' ? { state: 'match' } : { state: 'pending', note: 'room not under rooms.leave yet' }),
});
