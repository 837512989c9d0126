// The registry of check kinds: the wait engine, the scenario schema and the unit tests read it.
// A new check kind is a module in this folder plus one line below.
import Type, { type TSchema, type TUnsafe } from 'typebox';
import type { CheckKind, CheckValue, Phase, StreamName } from '../kinds.ts';
import { receipt } from './receipt.ts';
import { noReceipt } from './no-receipt.ts';
import { noReceiptType } from './no-receipt-type.ts';
import { ephemeral } from './ephemeral.ts';
import { noEphemeralType } from './no-ephemeral-type.ts';
import { timeline } from './timeline.ts';
import { joined } from './joined.ts';
import { left } from './left.ts';
import { accountData } from './account-data.ts';
import { noAccountData } from './no-account-data.ts';
import { unread } from './unread.ts';
import { noThreadCounts } from './no-thread-counts.ts';
import { noRoomId } from './no-room-id.ts';
import { receiptEventsPerRoom } from './receipt-events-per-room.ts';
import { onePerSlot } from './one-per-slot.ts';
import { onlyReceipts } from './only-receipts.ts';
import { eduReceipt } from './edu-receipt.ts';
import { noEduReceipt } from './no-edu-receipt.ts';
import { noEduReceiptType } from './no-edu-receipt-type.ts';
import { asReceipt } from './as-receipt.ts';
import { noAsReceipt } from './no-as-receipt.ts';
import { asEvent } from './as-event.ts';
import { eduLatest } from './edu-latest.ts';
import { noOtherReceipts } from './no-other-receipts.ts';
import { slidingReceipt } from './sliding-receipt.ts';
import { noSlidingReceipt } from './no-sliding-receipt.ts';
import { slidingTimeline } from './sliding-timeline.ts';
import { onlySlidingReceipts } from './only-sliding-receipts.ts';

export const CHECKS = [
  receipt, noReceipt, noReceiptType, ephemeral, noEphemeralType, timeline, joined, left, accountData, noAccountData,
  unread, noThreadCounts, noRoomId, receiptEventsPerRoom, onePerSlot, onlyReceipts, noOtherReceipts,
  eduReceipt, noEduReceipt, noEduReceiptType, eduLatest,
  asReceipt, noAsReceipt, asEvent,
  slidingReceipt, noSlidingReceipt, slidingTimeline, onlySlidingReceipts,
] as const;

export type CheckKindName = (typeof CHECKS)[number]['kind'];

const BY_KIND = new Map<string, CheckKind>(CHECKS.map((c) => [c.kind, c as unknown as CheckKind]));

export function checkKind(name: string): CheckKind {
  const k = BY_KIND.get(name);
  if (!k) throw new Error(`unknown check kind ${name}`);
  return k;
}

/** One definition per check kind, for the scenario schema's $defs: `{kind: args}`. */
export const CHECK_DEFS: Record<string, TSchema> = Object.fromEntries(
  CHECKS.map((c) => [`check.${c.kind}`, Type.Object({ [c.kind]: c.args }, { additionalProperties: false, description: c.summary })]),
);

/**
 * The schema of a check list item: exactly one key, naming a check kind of this stream and phase
 * (a reference into the scenario schema's $defs). Typed as a CheckValue: the wait engine dispatches
 * on the key.
 */
export function checkItem(stream: StreamName, phases: readonly Phase[], description: string): TUnsafe<CheckValue> {
  const kinds = CHECKS.filter((c) => c.stream === stream && (phases as readonly string[]).includes(c.phase));
  return Type.Unsafe<CheckValue>({ anyOf: kinds.map((c) => ({ $ref: `#/$defs/check.${c.kind}` })), description });
}
