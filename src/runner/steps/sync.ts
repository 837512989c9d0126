import Type from 'typebox';
import { defineStep, Name, Template } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { judgeSnapshot } from '../wait.ts';
import { syncOnce } from '../streams/sync.ts';

export const sync = defineStep({
  kind: 'sync',
  summary: 'One initial (since-less) /sync, judged as a snapshot: every check must already hold in it.',
  args: Type.Object(
    {
      as: Name.local(),
      filter: Type.Optional(Template.object('A filter (placeholders filled).')),
      checks: Type.Array(checkItem('sync', ['event', 'state', 'window'], 'A check on the snapshot.'), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const item = await syncOnce(ctx, args.as, { filter: ctx.fill(args.filter), timeoutMs: 0, where: at.where });
    judgeSnapshot(ctx, at, 'sync', item, args.checks);
  },
});
