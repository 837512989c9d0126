import Type from 'typebox';
import { MatrixUser } from '../../client/matrix.ts';
import { addSecret } from '../../safety/redaction.ts';
import { defineStep, Name } from '../kinds.ts';
import { HarnessError } from '../context.ts';
import { asObject, truncate } from '../json.ts';
import { markPosition } from '../streams/sync.ts';

export const registerGuest = defineStep({
  kind: 'register_guest',
  summary:
    'A local actor becomes a guest: POST /register?kind=guest (an empty body; the server picks the user ID and device). From this step on the name stands for the guest account, with its own /sync position; the full account registered for the name at the start is not used again.',
  needs: 'guest',
  args: Type.Object({ as: Name.local('The actor, listed under users, that plays the guest.') }, { additionalProperties: false }),
  async run(ctx, args, at) {
    const res = await ctx.api.call('POST', '/register', { query: { kind: 'guest' }, json: {} });
    const body = asObject(res.json);
    // Tokens are secrets from the moment they arrive, whatever happens next.
    addSecret(body?.access_token);
    addSecret(body?.refresh_token);
    if (res.status !== 200 || typeof body?.access_token !== 'string' || typeof body.user_id !== 'string') {
      throw new HarnessError(`${at.where}: guest registration answered ${res.status} ${truncate(res.text, 200)}`, res.record);
    }
    ctx.users.set(args.as, new MatrixUser(ctx.api, body.user_id, body.access_token, typeof body.device_id === 'string' ? body.device_id : undefined));
    ctx.positions.sync.delete(args.as);
    await markPosition(ctx, args.as);
  },
});
