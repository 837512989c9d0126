import { defineStep } from '../kinds.ts';
import { membership, TargetedMembership } from './membership.ts';

export const ban = defineStep({
  kind: 'ban',
  summary: 'A local actor bans another actor.',
  args: TargetedMembership,
  run: (ctx, args, at) => membership(ctx, at, 'ban', args),
});
