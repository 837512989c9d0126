import Type from 'typebox';
import { buildReceiptEdu } from '../../federation/fake-server.ts';
import { defineStep, Name } from '../kinds.ts';
import { transact } from '../federation.ts';
import { Expect } from '../response.ts';

const Common = {
  room: Type.Optional(Name.roomRef('A room name (the only room when omitted), or a literal room ID starting with !.')),
  event: Name.event(),
  thread: Type.Optional(Name.thread()),
  ts: Type.Optional(Type.Integer({ description: "data.ts; the suite's clock by default." })),
  type: Type.Optional(Type.String({ minLength: 1, description: 'The receipt type key; m.read by default.' })),
  txn_id: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', description: 'A transaction name; the same name sends the same transaction ID again.' })),
  expect: Type.Optional(Expect),
};

export const injectReceipt = defineStep({
  kind: 'inject_receipt',
  summary: 'The fake server sends one m.receipt EDU: a receipt by the remote actor `as`, or naming `user` (any actor or a literal @user:id, for spoofing).',
  needs: 'federation',
  args: Type.Union([Type.Object({ as: Name.remote(), ...Common }, { additionalProperties: false }), Type.Object({ user: Name.actor(), ...Common }, { additionalProperties: false })]),
  async run(ctx, args, at) {
    const userId = 'user' in args ? ctx.user(args.user) : ctx.remoteUser(args.as);
    const roomId = args.room === undefined ? ctx.room() : ctx.roomRef(args.room);
    const edu = buildReceiptEdu(roomId, userId, [ctx.event(args.event)], {
      receiptType: args.type ?? 'm.read',
      ts: args.ts ?? ctx.nowMs(),
      ...(args.thread !== undefined ? { threadId: ctx.thread(args.thread) as string } : {}),
    });
    await transact(ctx, at, { edus: [edu], txn_id: args.txn_id, expect: args.expect });
  },
});
