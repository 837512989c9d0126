// Shared by the membership step kinds (join, leave, invite, kick, ban): one request each.
import Type from 'typebox';
import { Name, type At } from '../kinds.ts';
import { Expect, judgeOrRequire } from '../response.ts';
import type { ScenarioContext } from '../context.ts';

export const SelfMembership = Type.Object({ as: Name.local(), room: Type.Optional(Name.room()), expect: Type.Optional(Expect) }, { additionalProperties: false });
export const TargetedMembership = Type.Object(
  { as: Name.local(), user: Name.local('The actor the action applies to.'), room: Type.Optional(Name.room()), expect: Type.Optional(Expect) },
  { additionalProperties: false },
);

export async function membership(ctx: ScenarioContext, at: At, action: 'join' | 'leave' | 'invite' | 'kick' | 'ban', args: { as: string; room?: string; user?: string; expect?: Expect }): Promise<void> {
  const user = ctx.actor(args.as);
  const roomId = ctx.room(args.room);
  const res = action === 'join' ? await user.join(roomId) : await user.membership(roomId, action, args.user ? ctx.user(args.user) : undefined);
  judgeOrRequire(ctx, at, res, args.expect, `${args.as} ${action} ${args.room ?? 'the room'}${args.user ? ` (${args.user})` : ''}`);
}
