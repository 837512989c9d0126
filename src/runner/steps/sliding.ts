import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { judgeSnapshot } from '../wait.ts';
import { slidingSnapshot } from '../streams/sliding.ts';
import { ListSize, TimelineLimit, shapeOf } from './sliding-until.ts';

export const sliding = defineStep({
  kind: 'sliding',
  summary: 'One initial simplified sliding sync response (MSC4186, receipts extension on) on a new connection, judged as a snapshot: every check must already hold in it.',
  args: Type.Object(
    {
      as: Name.local(),
      timeline_limit: Type.Optional(TimelineLimit),
      list_size: Type.Optional(ListSize),
      checks: Type.Array(checkItem('sliding', ['event', 'state', 'window'], 'A check on the snapshot.'), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const item = await slidingSnapshot(ctx, args.as, shapeOf(args), at.where);
    judgeSnapshot(ctx, at, 'sliding', item, args.checks);
  },
});
