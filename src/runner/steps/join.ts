import { defineStep } from '../kinds.ts';
import { membership, SelfMembership } from './membership.ts';

export const join = defineStep({
  kind: 'join',
  summary: 'A local actor joins the room.',
  args: SelfMembership,
  run: (ctx, args, at) => membership(ctx, at, 'join', args),
});
