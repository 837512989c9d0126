import Type from 'typebox';
import { CheckCommon, Name, ThreadOrNone, defineCheck } from '../kinds.ts';
import { describeWant, eventReceipts, matches, summary, tsProblem, type ReceiptEntry } from '../receipts.ts';
import { ReceiptType, TsWant } from './common.ts';
import { awaited, pendingNote } from './receipt-eval.ts';
import type { AsTxn } from '../streams/items.ts';

/** The room of an m.receipt pushed without a room_id (it was routed to the scenario by its event IDs). */
export const NO_ROOM_ID = '(no room_id)';

/** Every receipt of the transaction's m.receipt items, each under the item's top-level room_id. */
export function asReceipts(txn: AsTxn): ReceiptEntry[] {
  return txn.ephemeral.flatMap((item, source) => {
    if (item.type !== 'm.receipt') return [];
    return eventReceipts(item, typeof item.room_id === 'string' ? item.room_id : NO_ROOM_ID, source);
  });
}

export const asReceipt = defineCheck({
  kind: 'as_receipt',
  summary:
    "An m.receipt in the transaction's ephemeral list, whose top-level room_id is the room, holds this receipt: content[event][type][user], in the client-server format.",
  stream: 'appservice',
  phase: 'event',
  settledByLaterReceipt: true,
  args: Type.Object(
    { room: Type.Optional(Name.room()), user: Name.actor(), event: Name.event(), type: Type.Optional(ReceiptType), thread: Type.Optional(ThreadOrNone), ts: Type.Optional(TsWant), ...CheckCommon },
    { additionalProperties: false },
  ),
  eval(args, txn, r) {
    const want = { roomId: r.room(args.room), ...awaited(args, r) };
    const entries = asReceipts(txn);
    const hit = entries.find((e) => matches(e, want));
    if (!hit) {
      // The receipt itself, filed under another room_id or none: the format is broken, not late.
      const misfiled = entries.find((e) => matches(e, { ...want, roomId: undefined }));
      if (misfiled) return { state: 'mismatch', message: `${describeWant(want)} arrived with room_id ${misfiled.roomId}`, expected: { room_id: want.roomId }, actual: summary(misfiled) };
      return { state: 'pending', note: pendingNote(entries, want) };
    }
    const problem = tsProblem(hit.data.ts, args.ts, r.nowMs());
    if (!problem) return { state: 'match' };
    return { state: 'mismatch', message: `${describeWant(want)}: ${problem}`, expected: { ts: args.ts }, actual: summary(hit) };
  },
});
