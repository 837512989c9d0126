// What the receipt checks of every stream (/sync, sliding sync, application service, federation)
// judge alike, once: the receipt a check names, the note of one still pending, and a window that
// must carry exactly the given receipts. Each check keeps only what its channel adds.
import type { Outcome, Resolver } from '../kinds.ts';
import { describeWant, matches, summary, type ReceiptEntry, type ReceiptWant, type ThreadWant } from '../receipts.ts';

interface NamedReceipt {
  user: string;
  event: string;
  type?: string;
  thread?: string | null;
}

/** The receipt an arrival check awaits: every field resolved, m.read when no type is given. */
export function awaited(args: NamedReceipt, r: Resolver): { eventId: string; userId: string; type: string; thread: ThreadWant } {
  return { eventId: r.event(args.event), userId: r.user(args.user), type: args.type ?? 'm.read', thread: r.thread(args.thread) };
}

/** The receipts an absence check forbids: only the fields it names narrow it. */
export function forbidden(args: Partial<NamedReceipt>, r: Resolver): ReceiptWant {
  return {
    userId: args.user === undefined ? undefined : r.user(args.user),
    eventId: args.event === undefined ? undefined : r.event(args.event),
    type: args.type,
    thread: r.thread(args.thread),
  };
}

/** Why an awaited receipt is not among these yet, with what came instead. */
export function pendingNote(entries: readonly ReceiptEntry[], want: ReceiptWant, where = ''): string {
  const sameSlot = entries.filter((e) => matches(e, { ...want, thread: undefined }));
  const other = sameSlot.length ? `; seen with ${JSON.stringify(sameSlot.map((e) => e.data))}` : entries.length ? `; saw ${entries.length} other receipt(s)` : '';
  return `no ${describeWant(want)}${where}${other}`;
}

interface ListedReceipt {
  user: string;
  event: string;
  type?: string;
}

/**
 * The receipts a window carried for the room are exactly these: one that did not change is not
 * repeated (a delta), and none is missing. `what` names the window in the message.
 */
export function exactlyThese(listed: readonly ListedReceipt[], seenEntries: readonly ReceiptEntry[], r: Resolver, what: string): Outcome {
  const key = (user: string, event: unknown, type: string) => `${user} ${type} ${String(event)}`;
  const want = new Set(listed.map((x) => key(r.user(x.user), r.event(x.event), x.type ?? 'm.read')));
  const seen = new Map<string, ReceiptEntry>();
  for (const e of seenEntries) seen.set(key(e.userId, e.eventIds[0], e.type), e);
  const extra = [...seen.keys()].filter((k) => !want.has(k));
  const missing = [...want].filter((k) => !seen.has(k));
  if (!extra.length && !missing.length) return { state: 'match' };
  return {
    state: 'mismatch',
    message: extra.length ? `${what} repeated ${extra.length} receipt(s) that did not change` : `${what} lacked ${missing.length} receipt(s)`,
    expected: [...want],
    actual: [...seen.values()].map(summary),
  };
}
