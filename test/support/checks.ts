// Runs check kinds straight from the registry against recorded items, with names resolved by a
// fixed fake: room → !room:hs, event e1 → $e1, actor bob → @bob:hs.
import { checkKind } from '../../src/runner/checks/index.ts';
import { only, type CheckValue, type Outcome, type Resolver } from '../../src/runner/kinds.ts';

export const ROOM = '!room:hs';
export const NOW = 1_700_000_000_000;

export const r: Resolver = {
  room: (n) => (n === undefined || n === 'room' ? ROOM : `!${n}:hs`),
  roomRef: (ref) => (ref.startsWith('!') ? ref : ref === 'room' ? ROOM : `!${ref}:hs`),
  event: (ref) => (ref.startsWith('$') ? ref : `$${ref}`),
  user: (ref) => (ref.startsWith('@') ? ref : `@${ref}:hs`),
  thread: (ref) => (ref === undefined || ref === null || ref === 'main' ? ref : `$${ref}`),
  nowMs: () => NOW,
  refused: (id) => (id === '$refused' ? 'the transaction carrying it was refused with 400' : undefined),
};

type AnyEval = (args: unknown, x: unknown, r: Resolver) => Outcome;

/** One item; a window check judges it alone. */
export function evalCheck(value: CheckValue, item: unknown, resolver: Resolver = r): Outcome {
  const [name, args] = only(value);
  const kind = checkKind(name);
  return (kind.eval as AnyEval)(args, kind.phase === 'window' ? [item] : item, resolver);
}

export function evalWindow(value: CheckValue, items: unknown[], resolver: Resolver = r): Outcome {
  const [name, args] = only(value);
  const kind = checkKind(name);
  if (kind.phase !== 'window') throw new Error(`${name} is not a window check`);
  return (kind.eval as AnyEval)(args, items, resolver);
}

export function syncWith(ephemeral: unknown[], extra: Record<string, unknown> = {}) {
  return { next_batch: 's1', rooms: { join: { [ROOM]: { ephemeral: { events: ephemeral }, timeline: { events: [] }, ...extra } } } };
}

export const receiptEv = (content: object) => ({ type: 'm.receipt', content });

/** A transaction holding these EDUs. */
export function txn(...edus: { edu_type: string; content: unknown }[]) {
  return { txnId: 't1', origin: 'hs', edus };
}

export function receiptEdu(roomId: string, type: string, userId: string, eventIds: unknown, data: Record<string, unknown> = { ts: NOW }) {
  return { edu_type: 'm.receipt', content: { [roomId]: { [type]: { [userId]: { event_ids: eventIds, data } } } } };
}
