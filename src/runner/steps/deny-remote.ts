import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { requireOk } from '../response.ts';

export const denyRemote = defineStep({
  kind: 'deny_remote',
  summary: "A local actor sets the room's m.room.server_acl to deny the fake remote server (allow: [*], deny: [its host]).",
  needs: 'federation',
  args: Type.Object({ as: Name.local(), room: Type.Optional(Name.room()) }, { additionalProperties: false }),
  async run(ctx, args, at) {
    // ACL globs match the server name without its port; IP literals stay allowed so that the deny
    // entry, not allow_ip_literals, is what shuts the fake out.
    const host = ctx.federation().serverName.replace(/:\d+$/, '');
    const content = { allow: ['*'], deny: [host], allow_ip_literals: true };
    requireOk(await ctx.actor(args.as).sendState(ctx.room(args.room), 'm.room.server_acl', '', content), `${at.where}: setting m.room.server_acl`);
  },
});
