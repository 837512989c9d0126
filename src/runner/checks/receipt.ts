import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, matches, syncReceipts, tsProblem } from '../receipts.ts';
import { awaited, pendingNote } from './receipt-eval.ts';
import { ReceiptType, TsWant } from './common.ts';

export const receipt = defineCheck({
  kind: 'receipt',
  summary: "An m.receipt event in the room's ephemeral events holds this receipt.",
  stream: 'sync',
  phase: 'event',
  settledByLaterReceipt: true,
  args: Type.Object(
    {
      room: Type.Optional(Name.room()),
      event: Name.event(),
      user: Name.actor(),
      type: Type.Optional(ReceiptType),
      thread: Type.Optional(ThreadOrNone),
      ts: Type.Optional(TsWant),
      exact: Type.Optional(Type.Boolean({ description: 'The per-user object has no keys beyond ts and thread_id.' })),
      ...CheckCommon,
    },
    { additionalProperties: false },
  ),
  eval(args, sync, r) {
    const want = awaited(args, r);
    const entries = syncReceipts(sync, r.room(args.room));
    const hit = entries.find((e) => matches(e, want));
    if (!hit) return { state: 'pending', note: pendingNote(entries, want) };
    const problems = [tsProblem(hit.data.ts, args.ts, r.nowMs())].filter((p): p is string => p !== undefined);
    if (args.exact) {
      const extra = Object.keys(hit.data).filter((k) => k !== 'ts' && k !== 'thread_id');
      if (extra.length) problems.push(`unexpected keys ${extra.join(', ')} in the receipt`);
    }
    if (!problems.length) return { state: 'match' };
    return {
      state: 'mismatch',
      message: `${describeWant(want)}: ${problems.join('; ')}`,
      expected: { ts: args.ts ?? '(any)', ...(args.thread !== undefined ? { thread_id: want.thread ?? '(absent)' } : {}), ...(args.exact ? { keys: 'ts, thread_id only' } : {}) },
      actual: hit.data,
    };
  },
});
