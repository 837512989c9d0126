import { defineStep } from '../kinds.ts';
import { membership, SelfMembership } from './membership.ts';

export const leave = defineStep({
  kind: 'leave',
  summary: 'A local actor leaves the room.',
  args: SelfMembership,
  run: (ctx, args, at) => membership(ctx, at, 'leave', args),
});
