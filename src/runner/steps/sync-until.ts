import Type from 'typebox';
import { defineStep, Name, Template } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { waitUntil } from '../wait.ts';
import { syncStream } from '../streams/sync.ts';

export const TimeoutMs = Type.Integer({ minimum: 1000, maximum: 120_000, description: 'The deadline of this wait; the run setting by default.' });

export const syncUntil = defineStep({
  kind: 'sync_until',
  summary:
    "Long-polls the actor's /sync from where its previous wait ended until every `until` check has matched. `throughout` checks must hold on every response on the way (absence, proven by a sentinel among the `until` checks); `window` checks judge all the responses together.",
  args: Type.Object(
    {
      as: Name.local(),
      filter: Type.Optional(Template.object('A filter (placeholders filled).')),
      until: Type.Array(checkItem('sync', ['event', 'state'], 'A check that must match on some response.'), { minItems: 1 }),
      throughout: Type.Optional(Type.Array(checkItem('sync', ['event', 'window'], 'A check that must hold on every response.'))),
      window: Type.Optional(Type.Array(checkItem('sync', ['window'], 'A check over all the responses of the wait.'))),
      timeout_ms: Type.Optional(TimeoutMs),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const stream = syncStream(ctx, args.as, ctx.fill(args.filter), at.where);
    await waitUntil(ctx, at, 'sync', stream, { until: args.until, throughout: args.throughout, window: args.window, timeoutMs: args.timeout_ms ?? ctx.settings.syncTimeoutMs });
  },
});
