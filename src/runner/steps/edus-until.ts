import Type from 'typebox';
import { defineStep } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { waitUntil } from '../wait.ts';
import { eduStream } from '../streams/edus.ts';
import { TimeoutMs } from './sync-until.ts';

export const edusUntil = defineStep({
  kind: 'edus_until',
  summary:
    'Reads the transactions the target sends the fake server, from where the previous edus_until stopped, until every `until` check has matched. `throughout` checks must hold on every transaction on the way (absence, proven by a sentinel among the `until` checks); `window` checks judge all the transactions together.',
  needs: 'federation',
  args: Type.Object(
    {
      until: Type.Array(checkItem('edus', ['event', 'state'], 'A check that must match on some transaction.'), { minItems: 1 }),
      throughout: Type.Optional(Type.Array(checkItem('edus', ['event', 'window'], 'A check that must hold on every transaction.'))),
      window: Type.Optional(Type.Array(checkItem('edus', ['window'], 'A check over all the transactions of the wait.'))),
      timeout_ms: Type.Optional(TimeoutMs),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    await waitUntil(ctx, at, 'edus', eduStream(ctx, at.where), { until: args.until, throughout: args.throughout, window: args.window, timeoutMs: args.timeout_ms ?? ctx.settings.syncTimeoutMs });
  },
});
