// Argument pieces and helpers shared by several step kinds.
import Type from 'typebox';
import type { MatrixUser } from '../../client/matrix.ts';
import type { ScenarioContext } from '../context.ts';
import { Name } from '../kinds.ts';

export const Auth = Type.Union([Type.Literal('none'), Type.Literal('bogus')], {
  description: 'none: no Authorization header at all; bogus: a token the server never issued.',
});

export const Raw = Type.String({ description: 'A raw body, sent as-is with Content-Type application/json (for malformed bodies).' });

export const Method = Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('DELETE')]);

/** The actor making a request, and the token it sends (its own, none, or a bogus one). */
export function callerFor(ctx: ScenarioContext, args: { as: string; auth?: 'none' | 'bogus' }): { user: MatrixUser; token: string | null; actor?: string } {
  const user = ctx.actor(args.as);
  const token = args.auth === 'none' ? null : args.auth === 'bogus' ? `rc_bogus_${ctx.settings.runPrefix}_not_a_token` : user.accessToken;
  return { user, token, ...(args.auth === undefined ? { actor: args.as } : {}) };
}

/** Message content of send and remote_send: a text body, a thread reply when `thread` is set. */
export function messageContent(ctx: ScenarioContext, args: { as: string; event?: string; body?: string; thread?: string }): Record<string, unknown> {
  const content: Record<string, unknown> = { msgtype: 'm.text', body: args.body ?? `${args.event ?? 'message'} from ${args.as}` };
  if (args.thread) {
    const root = ctx.event(args.thread);
    content['m.relates_to'] = { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } };
  }
  return content;
}

export const ThreadReply = Type.Optional(Name.thread('Send as a thread reply to this root.'));
