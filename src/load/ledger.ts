// Every receipt posted, every receipt seen, and what is still missing. Observers and the fake
// remote server report what they see here; the drain waits on `drained()`, which resolves the
// moment the last receipt of every public slot has reached every place it must reach.
import type { InvariantLog } from './invariants.ts';
import type { ReceiptType } from './plan.ts';

export interface SeenReceipt {
  room: string;
  eventId: string;
  type: string;
  userId: string;
  thread: string | null;
}

export interface PostRecord {
  seq: number;
  phase: 'load' | 'sentinel';
  origin: 'local' | 'remote';
  room: string;
  userId: string;
  eventId: string;
  type: ReceiptType;
  thread: 'main' | null;
  state: 'pending' | 'accepted' | 'failed';
  /** Epoch ms at the start of the attempt that was accepted. */
  sentAt?: number;
  /** How long that attempt took to answer. */
  ackMs?: number;
  /** Status of the last attempt, or the transport error. */
  status?: number;
  error?: string;
  /** Observer user ID → epoch ms when its /sync first showed this receipt. */
  seenAtSync: Map<string, number>;
  /** Epoch ms when the remote server first received it. */
  seenAtRemote?: number;
}

export const slotId = (room: string, userId: string, type: string, thread: string | null): string => `${room}\u0000${userId}\u0000${type}\u0000${thread ?? ''}`;
const receiptKey = (r: SeenReceipt): string => `${slotId(r.room, r.userId, r.type, r.thread)}\u0000${r.eventId}`;
const roomEventUser = (room: string, eventId: string, userId: string): string => `${room}\u0000${eventId}\u0000${userId}`;

export function describeSlot(p: { room: string; userId: string; type: string; thread: string | null }): string {
  return `${p.userId} ${p.type}${p.thread === null ? '' : ` (thread ${p.thread})`} in ${p.room}`;
}

export class Ledger {
  readonly posts: PostRecord[] = [];
  /** Receipts seen that no post explains (e.g. set-up side effects), per place. */
  unattributed = { sync: 0, remote: 0 };
  private readonly byKey = new Map<string, PostRecord>();
  private readonly lastAccepted = new Map<string, PostRecord>();
  private readonly privateAt = new Set<string>();
  private readonly publicAt = new Set<string>();
  /** Observer → slot → event its /sync last showed. */
  private readonly syncState = new Map<string, Map<string, string>>();
  private readonly remoteState = new Map<string, string>();
  /** `${observer}\0${slot}` pairs whose last accepted receipt the observer has not shown yet. */
  private readonly outstandingSync = new Set<string>();
  private readonly outstandingRemote = new Set<string>();
  private postingDone = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly log: InvariantLog,
    /** Whether local public receipts must reach a remote server. */
    private readonly remoteExpected: boolean,
  ) {}

  /** An observer's slot state, kept by the observer and read here. */
  addObserver(userId: string, state: Map<string, string>): void {
    this.syncState.set(userId, state);
  }

  /** Registers a receipt before it is sent, so a delivery that beats the response still matches. */
  add(p: Omit<PostRecord, 'state' | 'seenAtSync'>): PostRecord {
    const post: PostRecord = { ...p, state: 'pending', seenAtSync: new Map() };
    this.posts.push(post);
    this.byKey.set(receiptKey(post), post);
    (post.type === 'm.read.private' ? this.privateAt : this.publicAt).add(roomEventUser(post.room, post.eventId, post.userId));
    return post;
  }

  accepted(post: PostRecord, sentAt: number, ackMs: number, status: number): void {
    post.state = 'accepted';
    post.sentAt = sentAt;
    post.ackMs = ackMs;
    post.status = status;
    if (post.type !== 'm.read') return;
    const slot = slotId(post.room, post.userId, post.type, post.thread);
    const prev = this.lastAccepted.get(slot);
    // Posts of one slot are sent one after another, so a later seq is the newer receipt.
    if (prev && prev.seq > post.seq) return;
    this.lastAccepted.set(slot, post);
    for (const [observer, state] of this.syncState) this.track(this.outstandingSync, `${observer}\u0000${slot}`, state.get(slot) === post.eventId);
    if (this.remoteExpected && post.origin === 'local') this.track(this.outstandingRemote, slot, this.remoteState.get(slot) === post.eventId);
    this.settle();
  }

  failed(post: PostRecord, status: number | undefined, error?: string): void {
    post.state = 'failed';
    post.status = status;
    if (error !== undefined) post.error = error;
  }

  /** An observer's /sync showed `r` at `t`; its slot state is already updated. */
  seenAtSync(observer: string, r: SeenReceipt, t: number): void {
    const post = this.byKey.get(receiptKey(r));
    if (post) {
      if (!post.seenAtSync.has(observer)) post.seenAtSync.set(observer, t);
    } else {
      this.unattributed.sync += 1;
      if (r.type === 'm.read') this.leakAsPublic('no-private-leak-sync', r, `${observer}'s /sync`);
    }
    const slot = slotId(r.room, r.userId, r.type, r.thread);
    const last = this.lastAccepted.get(slot);
    if (last) this.track(this.outstandingSync, `${observer}\u0000${slot}`, last.eventId === r.eventId);
    this.settle();
  }

  /** The remote server received `r` in an m.receipt EDU at `t`. */
  seenAtRemote(r: SeenReceipt, t: number): void {
    const slot = slotId(r.room, r.userId, r.type, r.thread);
    this.log.check('no-private-leak-federation', r.type !== 'm.read.private', () => `the remote server received a private receipt: ${describeSlot(r)} on ${r.eventId}`);
    const post = this.byKey.get(receiptKey(r));
    if (post) {
      post.seenAtRemote ??= t;
    } else {
      this.unattributed.remote += 1;
      if (r.type === 'm.read') this.leakAsPublic('no-private-leak-federation', r, 'the remote server');
    }
    this.remoteState.set(slot, r.eventId);
    const last = this.lastAccepted.get(slot);
    if (last && this.remoteExpected) this.track(this.outstandingRemote, slot, last.eventId === r.eventId);
    this.settle();
  }

  /** A public receipt nobody posted, on an event where the same user posted a private one. */
  private leakAsPublic(id: 'no-private-leak-sync' | 'no-private-leak-federation', r: SeenReceipt, where: string): void {
    const at = roomEventUser(r.room, r.eventId, r.userId);
    if (this.privateAt.has(at) && !this.publicAt.has(at)) {
      this.log.check(id, false, () => `${where} got m.read${r.thread === null ? '' : ` (thread ${r.thread})`} of ${r.userId} on ${r.eventId} in ${r.room}, where that user only posted m.read.private`);
    }
  }

  private track(set: Set<string>, key: string, satisfied: boolean): void {
    if (satisfied) set.delete(key);
    else set.add(key);
  }

  /** No more posts will be made; `drained()` may now resolve. */
  finishPosting(): void {
    this.postingDone = true;
    this.settle();
  }

  isDrained(): boolean {
    return this.postingDone && this.outstandingSync.size === 0 && this.outstandingRemote.size === 0;
  }

  outstanding(): { sync: number; remote: number } {
    return { sync: this.outstandingSync.size, remote: this.outstandingRemote.size };
  }

  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(): void {
    if (!this.isDrained() || this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** The no-lost-receipt judgements, made once the run is over. */
  judgeLost(remoteEnabled: boolean): void {
    const ms = (p: PostRecord) => (p.sentAt === undefined ? '' : ` posted at ${new Date(p.sentAt).toISOString()}`);
    for (const [slot, last] of this.lastAccepted) {
      for (const [observer, state] of this.syncState) {
        const seen = state.get(slot);
        this.log.check('no-lost-receipt-sync', seen === last.eventId, () =>
          `${describeSlot(last)}: last receipt on ${last.eventId} (#${last.seq}${ms(last)}); ${observer}'s /sync ${seen === undefined ? 'never showed this slot' : `ended on ${seen}`}${this.siblingHint(last, seen)}`,
        );
      }
      if (remoteEnabled && last.origin === 'local') {
        const seen = this.remoteState.get(slot);
        this.log.check('no-lost-receipt-federation', seen === last.eventId, () =>
          `${describeSlot(last)}: last receipt on ${last.eventId} (#${last.seq}${ms(last)}); the remote server ${seen === undefined ? 'never received this slot' : `last received ${seen}`}${this.siblingHint(last, seen)}`,
        );
      }
    }
  }

  /** Names the likely cause when a slot's last receipt is missing and another slot of the same user is involved. */
  private siblingHint(last: PostRecord, seen: string | undefined): string {
    const sameUser = this.posts.filter((p) => p.room === last.room && p.userId === last.userId && p.type === last.type);
    const threadName = (p: PostRecord) => (p.thread === null ? 'unthreaded' : `thread ${p.thread}`);
    const collision = sameUser.find((p) => p.eventId === last.eventId && p.thread !== last.thread);
    if (collision) {
      return `; the same user also posted ${last.type} (${threadName(collision)}) on that event, and one m.receipt content cannot carry both (matrix-spec#1727): the server must send them in two m.receipt events`;
    }
    if (seen === undefined) return '';
    const own = sameUser.filter((p) => p.thread === last.thread && p.eventId === seen).pop();
    const other = sameUser.filter((p) => p.thread !== last.thread && p.eventId === seen).pop();
    return other && (!own || other.seq > own.seq) ? `, a receipt the same user posted as ${last.type} (${threadName(other)}): the server did not keep the two slots apart` : '';
  }
}
