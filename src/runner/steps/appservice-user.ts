import Type from 'typebox';
import { MatrixUser } from '../../client/matrix.ts';
import { addSecret } from '../../safety/redaction.ts';
import { defineStep, Name } from '../kinds.ts';
import { HarnessError } from '../context.ts';
import { appserviceOf } from '../streams/appservice.ts';
import { markPosition } from '../streams/sync.ts';

export const appserviceUser = defineStep({
  kind: 'appservice_user',
  summary:
    "Makes the actor a user of the suite's application service: registers @_rcas_<run prefix>_<scenario>_<name> in the AS's exclusive users namespace (POST /register with the as_token, type m.login.application_service) and acts for it from then on. List the actor under users and use this step before the actor's first action.",
  needs: 'appservice',
  args: Type.Object({ as: Name.local('The actor to turn into an application-service user.') }, { additionalProperties: false }),
  async run(ctx, args, at) {
    const access = appserviceOf(ctx);
    const username = `${access.userPrefix}${ctx.localpart(args.as)}`;
    const res = await ctx.api.call('POST', '/register', { token: access.asToken, json: { type: 'm.login.application_service', username } });
    addSecret(res.json?.access_token);
    if (res.status !== 200 || typeof res.json?.user_id !== 'string' || typeof res.json?.access_token !== 'string') {
      throw new HarnessError(`${at.where}: the target would not register ${username} for the suite's application service: POST /register answered ${res.status} ${String(res.json?.errcode ?? '')} ${String(res.json?.error ?? '').slice(0, 200)}`.trim(), res.record);
    }
    ctx.users.set(args.as, new MatrixUser(ctx.api, res.json.user_id, res.json.access_token, res.json.device_id));
    // The actor's /sync position belonged to the user it replaces.
    ctx.positions.sync.delete(args.as);
    await markPosition(ctx, args.as);
  },
});
