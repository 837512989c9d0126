import { defineStep } from '../kinds.ts';
import { membership, TargetedMembership } from './membership.ts';

export const invite = defineStep({
  kind: 'invite',
  summary: 'A local actor invites another actor.',
  args: TargetedMembership,
  run: (ctx, args, at) => membership(ctx, at, 'invite', args),
});
