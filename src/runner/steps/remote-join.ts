import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { fedError } from '../federation.ts';
import { Unsupported } from '../context.ts';
import { UnsupportedRoomVersionError } from '../../federation/errors.ts';

export const remoteJoin = defineStep({
  kind: 'remote_join',
  summary: 'The fake remote server joins a remote actor to a room the target hosts (make_join and send_join; the room must be public).',
  needs: 'federation',
  args: Type.Object({ user: Name.remote(), room: Type.Optional(Name.room()) }, { additionalProperties: false }),
  async run(ctx, args, at) {
    try {
      await ctx.federation().joinRoom(ctx.room(args.room), ctx.remoteUser(args.user));
    } catch (e) {
      // The target's room uses a version the fake does not implement: not a verdict on the target.
      if (e instanceof UnsupportedRoomVersionError) throw new Unsupported(`${at.where}: ${e.message}`);
      throw fedError(ctx, `${at.where}: ${args.user} could not join ${args.room ?? 'the room'} over federation: ${(e as Error).message}`);
    }
  },
});
