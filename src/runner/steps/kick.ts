import { defineStep } from '../kinds.ts';
import { membership, TargetedMembership } from './membership.ts';

export const kick = defineStep({
  kind: 'kick',
  summary: 'A local actor kicks another actor.',
  args: TargetedMembership,
  run: (ctx, args, at) => membership(ctx, at, 'kick', args),
});
