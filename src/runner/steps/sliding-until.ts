import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { checkItem } from '../checks/index.ts';
import { waitUntil } from '../wait.ts';
import { DEFAULT_LIST_SIZE, DEFAULT_TIMELINE_LIMIT, slidingStream, type ListShape } from '../streams/sliding.ts';
import { TimeoutMs } from './sync-until.ts';

export const TimelineLimit = Type.Integer({
  minimum: 1,
  maximum: 100,
  description: `timeline_limit of the sliding sync list (${DEFAULT_TIMELINE_LIMIT} by default). On a room's first appearance the extension carries other users' receipts only for events in this timeline.`,
});

export const ListSize = Type.Integer({
  minimum: 1,
  maximum: DEFAULT_LIST_SIZE,
  description: `How many rooms the list covers, the most recent first (ranges [[0, list_size - 1]]; ${DEFAULT_LIST_SIZE} by default). A small list lets a room leave the window and come back.`,
});

/** The list shape a step asks for, with the defaults filled in. */
export function shapeOf(args: { timeline_limit?: number; list_size?: number }): ListShape {
  return { timelineLimit: args.timeline_limit ?? DEFAULT_TIMELINE_LIMIT, listSize: args.list_size ?? DEFAULT_LIST_SIZE };
}

export const slidingUntil = defineStep({
  kind: 'sliding_until',
  summary:
    "Long-polls the actor's simplified sliding sync (MSC4186, receipts extension on) from the pos its previous wait reached until every `until` check has matched; the first wait of a connection starts with the initial response. `throughout` checks must hold on every response on the way; `window` checks judge all the responses together. A target without the endpoint makes the scenario unsupported.",
  args: Type.Object(
    {
      as: Name.local(),
      timeline_limit: Type.Optional(TimelineLimit),
      list_size: Type.Optional(ListSize),
      until: Type.Array(checkItem('sliding', ['event', 'state'], 'A check that must match on some response.'), { minItems: 1 }),
      throughout: Type.Optional(Type.Array(checkItem('sliding', ['event', 'window'], 'A check that must hold on every response.'))),
      window: Type.Optional(Type.Array(checkItem('sliding', ['window'], 'A check over all the responses of the wait.'))),
      timeout_ms: Type.Optional(TimeoutMs),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const stream = slidingStream(ctx, args.as, shapeOf(args), at.where);
    await waitUntil(ctx, at, 'sliding', stream, { until: args.until, throughout: args.throughout, window: args.window, timeoutMs: args.timeout_ms ?? ctx.settings.syncTimeoutMs });
  },
});
