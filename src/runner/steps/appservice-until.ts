import Type from 'typebox';
import { defineStep } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { waitUntil } from '../wait.ts';
import { appserviceStream } from '../streams/appservice.ts';
import { TimeoutMs } from './sync-until.ts';

export const appserviceUntil = defineStep({
  kind: 'appservice_until',
  summary:
    "Reads the transactions the target pushes to the suite's application service (those naming the scenario's rooms), from where the previous appservice_until stopped, until every `until` check has matched. `throughout` checks must hold on every transaction on the way (absence, proven by a sentinel among the `until` checks).",
  needs: 'appservice',
  args: Type.Object(
    {
      until: Type.Array(checkItem('appservice', ['event', 'state'], 'A check that must match on some transaction.'), { minItems: 1 }),
      throughout: Type.Optional(Type.Array(checkItem('appservice', ['event', 'window'], 'A check that must hold on every transaction.'))),
      timeout_ms: Type.Optional(TimeoutMs),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    await waitUntil(ctx, at, 'appservice', appserviceStream(ctx, at.where), { until: args.until, throughout: args.throughout, timeoutMs: args.timeout_ms ?? ctx.settings.syncTimeoutMs });
  },
});
