import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineWindowCheck } from '../kinds.ts';
import { threadCategory, type ReceiptEntry } from '../receipts.ts';
import type { JsonObject } from '../json.ts';
import { ReceiptType } from './common.ts';
import { txnReceipts } from './edu-receipt.ts';

const Slot = Type.Object(
  {
    user: Name.actor(),
    event: Name.event('The event the slot must name last.'),
    thread: Type.Optional(ThreadOrNone),
    type: Type.Optional(ReceiptType),
  },
  { additionalProperties: false, description: 'One (user, receipt type, thread) slot; thread omitted or null: the unthreaded slot.' },
);

export const eduLatest = defineWindowCheck({
  kind: 'edu_latest',
  summary:
    'Over the transactions of the wait, taken in arrival order, the last receipt the target sent in each listed (user, receipt type, thread) slot names the listed event: nothing queued was lost (a slot never sent) or left stale (a slot whose last entry names an older event).',
  stream: 'edus',
  phase: 'window',
  args: Type.Object({ room: Type.Optional(Name.room()), receipts: Type.Array(Slot, { minItems: 1 }), ...CheckCommon }, { additionalProperties: false }),
  eval(args, txns, r) {
    const roomId = r.room(args.room);
    const bySlot = new Map<string, ReceiptEntry[]>();
    for (const txn of txns) {
      for (const e of txnReceipts(txn)) {
        if (e.roomId !== roomId) continue;
        const key = `${e.userId} ${e.type} ${threadCategory(e)}`;
        bySlot.set(key, [...(bySlot.get(key) ?? []), e]);
      }
    }
    const problems: string[] = [];
    const actual: JsonObject = {};
    for (const want of args.receipts) {
      const thread = r.thread(want.thread ?? null);
      const slot = `${r.user(want.user)} ${want.type ?? 'm.read'} ${typeof thread === 'string' ? `thread:${thread}` : 'unthreaded'}`;
      const seen = bySlot.get(slot) ?? [];
      const last = seen.at(-1);
      actual[slot] = seen.map((e) => e.eventIds);
      const eventId = r.event(want.event);
      if (!last) problems.push(`${slot}: never sent (lost)`);
      else if (!(last.eventIds.length === 1 && last.eventIds[0] === eventId)) problems.push(`${slot}: last sent on ${JSON.stringify(last.eventIds)}, expected ${eventId}`);
    }
    if (!problems.length) return { state: 'match' };
    return {
      state: 'mismatch',
      message: `over ${txns.length} transaction(s): ${problems.join('; ')}`,
      expected: args.receipts.map((x) => ({ ...x, event: r.event(x.event) })),
      actual,
    };
  },
});
