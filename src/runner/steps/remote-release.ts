import Type from 'typebox';
import { defineStep, Name } from '../kinds.ts';
import { HarnessError } from '../context.ts';
import { deliverAndAwait } from '../federation.ts';

export const remoteRelease = defineStep({
  kind: 'remote_release',
  summary: 'Sends PDUs built earlier with remote_send hold: true, one transaction per room, and waits until a local member sees them.',
  needs: 'federation',
  args: Type.Object({ events: Type.Array(Name.event(), { minItems: 1 }) }, { additionalProperties: false }),
  async run(ctx, args, at) {
    const built = args.events.map((name) => {
      const b = ctx.fed.held.get(name);
      if (!b) throw new HarnessError(`${at.where}: ${name} was not built by a remote_send with hold: true`);
      ctx.fed.held.delete(name);
      return b;
    });
    for (const roomName of new Set(built.map((b) => b.roomName))) {
      await deliverAndAwait(ctx, at, roomName, built.filter((b) => b.roomName === roomName));
    }
  },
});
