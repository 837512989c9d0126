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
    "Makes the actor a user of the suite's application service and acts for it from then on: registers @_rcas_<run prefix>_<scenario>_<name> in the AS's exclusive users namespace (POST /register with the as_token, type m.login.application_service), or with `sender: true` becomes the AS's own sender_localpart user (the as_token alone). List the actor under users and use this step before the actor's first action.",
  needs: 'appservice',
  args: Type.Object(
    {
      as: Name.local('The actor to turn into an application-service user.'),
      sender: Type.Optional(Type.Boolean({ description: "The registration's sender_localpart user (shared by the run), not a new namespaced user." })),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const access = appserviceOf(ctx);
    // The actor's /sync position belonged to the user it replaces.
    ctx.positions.sync.delete(args.as);
    if (args.sender) {
      const who = await ctx.api.call('GET', '/account/whoami', { token: access.asToken });
      if (who.status !== 200 || typeof who.json?.user_id !== 'string') throw new HarnessError(`${at.where}: whoami with the as_token answered ${who.status}`, who.record);
      // An AS may /sync only as one of its namespaced users: a later wait of this actor takes its position then.
      ctx.users.set(args.as, new MatrixUser(ctx.api, who.json.user_id, access.asToken));
      return;
    }
    const username = `${access.userPrefix}${ctx.localpart(args.as)}`;
    const res = await ctx.api.call('POST', '/register', { token: access.asToken, json: { type: 'm.login.application_service', username } });
    addSecret(res.json?.access_token);
    if (res.status !== 200 || typeof res.json?.user_id !== 'string' || typeof res.json?.access_token !== 'string') {
      throw new HarnessError(`${at.where}: the target would not register ${username} for the suite's application service: POST /register answered ${res.status} ${String(res.json?.errcode ?? '')} ${String(res.json?.error ?? '').slice(0, 200)}`.trim(), res.record);
    }
    ctx.users.set(args.as, new MatrixUser(ctx.api, res.json.user_id, res.json.access_token, res.json.device_id));
    await markPosition(ctx, args.as);
  },
});
