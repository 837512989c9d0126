import Type from 'typebox';
import { defineStep, Name, Template } from '../kinds.ts';
import { buildMessage, transact } from '../federation.ts';
import { Expect } from '../response.ts';
import { ThreadReply } from './common.ts';

const RemoteMessage = Type.Object(
  { as: Name.remote(), room: Type.Optional(Name.room()), body: Type.Optional(Type.String()), thread: ThreadReply, event: Type.Optional(Name.newEvent()) },
  { additionalProperties: false, description: 'A message PDU built and signed by the fake server.' },
);
const Edu = Type.Object({ edu_type: Type.Optional(Type.String({ minLength: 1 })), content: Template.any() }, { additionalProperties: false });

export const injectEdu = defineStep({
  kind: 'inject_edu',
  summary:
    'The fake server sends an EDU with this raw content (for malformed cases), optionally with more EDUs and with message PDUs in the same transaction. Placeholders are filled in keys and strings; a string {now} becomes the current time in ms.',
  needs: 'federation',
  // with_pdus comes first: the EDUs may name the events it defines.
  args: Type.Object(
    {
      with_pdus: Type.Optional(Type.Array(RemoteMessage, { description: 'Message PDUs sent in the same transaction; a later timeline check says whether they were applied.' })),
      edu_type: Type.Optional(Type.String({ minLength: 1, description: 'm.receipt by default.' })),
      content: Template.any('The EDU content, as sent.'),
      extra_edus: Type.Optional(Type.Array(Edu, { description: 'More EDUs after the first, in the same transaction.' })),
      txn_id: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$' })),
      expect: Type.Optional(Expect),
    },
    { additionalProperties: false },
  ),
  async run(ctx, args, at) {
    const built = (args.with_pdus ?? []).map((p) => buildMessage(ctx, p));
    const edus = [{ edu_type: args.edu_type ?? 'm.receipt', content: ctx.fill(args.content) }];
    for (const extra of args.extra_edus ?? []) edus.push({ edu_type: extra.edu_type ?? 'm.receipt', content: ctx.fill(extra.content) });
    await transact(ctx, at, { pdus: built.map((b) => b.event), pduIds: built.map((b) => b.eventId), edus, txn_id: args.txn_id, expect: args.expect });
  },
});
