// Read-only views into one simplified sliding sync response (MSC4186, Synapse's unstable shape).
// The receipts extension (MSC3960) puts one m.receipt event per room under
// extensions.receipts.rooms[roomId], with no room_id; a receipt-only change does not add the room
// to `rooms`, so receipts are read from the extension alone.
import { asArray, asObject, dig, type JsonObject } from '../json.ts';
import { eventReceipts, type ReceiptEntry } from '../receipts.ts';

/** The extension's value for the room: the m.receipt event, or undefined. */
export function slidingReceiptEvent(item: unknown, roomId: string): JsonObject | undefined {
  return asObject(dig(item, 'extensions', 'receipts', 'rooms', roomId));
}

/** Every receipt the extension carries for the room, flattened like /sync's. */
export function slidingReceipts(item: unknown, roomId: string): ReceiptEntry[] {
  const ev = slidingReceiptEvent(item, roomId);
  return ev?.type === 'm.receipt' ? eventReceipts(ev, roomId) : [];
}

/** Event IDs of the room's timeline in this response (rooms[roomId].timeline is a plain array). */
export function slidingTimelineEventIds(item: unknown, roomId: string): string[] {
  return asArray(dig(item, 'rooms', roomId, 'timeline'))
    .map((e) => asObject(e)?.event_id)
    .filter((x): x is string => typeof x === 'string');
}
