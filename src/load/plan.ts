// The workload, decided before the run from the options and a seed, so two targets get the same
// sequence of receipts and a run can be repeated.
//
// A slot is (user, room, receipt type, thread). Every receipt of a slot points at a newer event
// than the one before: servers may ignore a receipt that moves backwards, and "the last receipt
// posted arrives" is only well defined when each one supersedes the previous.
//
// Public unthreaded, public threaded and private receipts point at disjoint sets of events
// (lanes: event index mod 3). Private apart from public, so that a private receipt leaking as
// m.read can never pass for the user's public one on the same event. Unthreaded apart from
// threaded unless asked otherwise: an unthreaded and a threaded receipt of one user on one event
// cannot share one m.receipt content (event → type → user), so a server must send them in two
// events (an open spec question, matrix-spec#1727). That edge is the conformance scenarios'
// business; under load it is opt-in (--thread-collisions), so the default run measures load.

export type ReceiptType = 'm.read' | 'm.read.private';

export interface SlotKind {
  type: ReceiptType;
  /** `"main"` for a threaded receipt on the main timeline; null for an unthreaded one. */
  thread: 'main' | null;
}

export interface PlannedReceipt {
  seq: number;
  /** When to post, in milliseconds after the start of posting. */
  atMs: number;
  /** Local users are 0..users-1; remote users are numbered on their own. */
  remote: boolean;
  user: number;
  room: number;
  kind: SlotKind;
  /** Index into the room's prepared events; strictly increasing within a slot. */
  eventIndex: number;
  /** Identifies the slot within the plan. */
  slot: string;
}

export interface WorkloadShape {
  users: number;
  rooms: number;
  rate: number;
  durationS: number;
  remoteUsers: number;
  privateShare: number;
  threadedShare: number;
  seed: number;
  /** Let a user's unthreaded and threaded receipts land on the same event. */
  threadCollisions?: boolean;
}

export interface WorkloadPlan {
  receipts: PlannedReceipt[];
  /** Events to prepare in each room: up to the highest one any receipt uses, plus the sentinel's. */
  eventsPerRoom: number;
  /** Distinct slots the plan uses. */
  slots: number;
}

/** mulberry32: a tiny seeded generator; the workload needs repeatability, not statistical quality. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function slotName(remote: boolean, user: number, room: number, kind: SlotKind): string {
  return `${remote ? 'r' : 'l'}${user}/${room}/${kind.type}/${kind.thread ?? ''}`;
}

export function planWorkload(s: WorkloadShape): WorkloadPlan {
  const rnd = seededRandom(s.seed);
  const total = Math.round(s.rate * s.durationS);
  const posters = s.users + s.remoteUsers;
  const perSlot = new Map<string, number>();
  const receipts: PlannedReceipt[] = [];
  let highest = -1;
  for (let seq = 0; seq < total; seq++) {
    const who = Math.floor(rnd() * posters);
    const remote = who >= s.users;
    const user = remote ? who - s.users : who;
    const room = Math.floor(rnd() * s.rooms);
    const r = rnd();
    // Private receipts never travel over federation, so remote users only post public ones.
    const kind: SlotKind = !remote && r < s.privateShare
      ? { type: 'm.read.private', thread: null }
      : { type: 'm.read', thread: (remote ? r * (1 - s.privateShare) + s.privateShare : r) < s.privateShare + s.threadedShare ? 'main' : null };
    const slot = slotName(remote, user, room, kind);
    const nth = perSlot.get(slot) ?? 0;
    perSlot.set(slot, nth + 1);
    const lanes = s.threadCollisions ? 2 : 3;
    const lane = kind.type === 'm.read.private' ? lanes - 1 : s.threadCollisions || kind.thread === null ? 0 : 1;
    const eventIndex = nth * lanes + lane;
    highest = Math.max(highest, eventIndex);
    receipts.push({ seq, atMs: (seq * 1000) / s.rate, remote, user, room, kind, eventIndex, slot });
  }
  // One more event after the highest used: the sentinel's.
  return { receipts, eventsPerRoom: highest + 2, slots: perSlot.size };
}
