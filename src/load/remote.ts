// The federation side of the load: users on the suite's fake homeserver join the rooms, post
// receipts as m.receipt EDUs, and every EDU the server under test sends is fed to the ledger.
import { createWriteStream, type WriteStream } from 'node:fs';
import { buildReceiptEdu, FakeHomeserver, LOOPBACK_FAKE_NAME, type ReceivedEdu } from '../federation/fake-server.ts';
import { retryAfterMs, type RunBudget } from './budget.ts';
import type { Ledger } from './ledger.ts';
import { epochMs } from './observer.ts';

/** The spec's limit on EDUs in one transaction. */
const MAX_EDUS_PER_TRANSACTION = 100;

interface Queued {
  edu: { edu_type: string; content: unknown };
  queuedAt: number;
  started: number;
  resolve: (r: { status: number; ms: number; sentAt: number }) => void;
  reject: (err: unknown) => void;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export class RemoteSide {
  readonly userIds: string[];
  private tapping = false;
  private sending = false;
  private readonly queue: Queued[] = [];
  private ingested = new WeakSet<ReceivedEdu>();

  private constructor(
    readonly fake: FakeHomeserver,
    private readonly logStream: WriteStream | undefined,
    prefix: string,
    count: number,
  ) {
    this.userIds = Array.from({ length: count }, (_, i) => fake.userId(`${prefix}_remote${i}`));
  }

  /** Starts the fake server for the target; its request log goes to `logFile` when given. */
  static async start(target: { serverName: string; baseUrl: string }, prefix: string, count: number, logFile?: string): Promise<RemoteSide> {
    const stream = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    // Named localhost:<port> like the conformance run's fakes (LOOPBACK_FAKE_NAME). A request the
    // fake is still answering may log after the stream is closed: that line is dropped.
    const fake = await FakeHomeserver.start({
      target,
      advertisedHost: LOOPBACK_FAKE_NAME,
      log: stream ? (l) => void (stream.writableEnded || stream.write(`${new Date().toISOString()} ${l}\n`)) : () => {},
    });
    return new RemoteSide(fake, stream, prefix, count);
  }

  /** Every remote user joins every room: users one after another within a room, rooms in parallel. */
  async joinAll(rooms: readonly string[], budget: RunBudget): Promise<void> {
    await Promise.all(
      rooms.map(async (room) => {
        for (const user of this.userIds) {
          budget.take(`a federated join of ${user}`);
          budget.take(`a federated join of ${user}`);
          await this.fake.joinRoom(room, user);
        }
      }),
    );
  }

  /**
   * Queues one receipt and resolves when the transaction carrying it is answered. Like a real
   * homeserver, the fake keeps one transaction in flight per destination (Synapse answers 429 to a
   * second concurrent one from the same origin) and sends whatever queued meanwhile in the next,
   * so `ms` includes the wait for the transaction ahead.
   */
  sendReceipt(budget: RunBudget, userId: string, room: string, eventId: string, thread: string | null): Promise<{ status: number; ms: number; sentAt: number }> {
    const edu = buildReceiptEdu(room, userId, [eventId], { receiptType: 'm.read', ...(thread === null ? {} : { threadId: thread }) });
    return new Promise((resolve, reject) => {
      this.queue.push({ edu, queuedAt: epochMs(), started: performance.now(), resolve, reject });
      void this.flush(budget);
    });
  }

  private async flush(budget: RunBudget): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_EDUS_PER_TRANSACTION);
        try {
          const { res } = await budget.withRetry('federation PUT /send', () => this.fake.sendTransaction({ edus: batch.map((b) => b.edu) }), (r) => retryAfterMs(r.body));
          const now = performance.now();
          for (const b of batch) b.resolve({ status: res.status, ms: now - b.started, sentAt: b.queuedAt });
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /**
   * Feeds every m.receipt EDU, past and future, to the ledger until the fake server stops. The
   * fake server calls the predicate for each EDU as it arrives, so this is a subscription, not a poll.
   */
  tap(ledger: Ledger, untilMs: number): void {
    if (this.tapping) return;
    this.tapping = true;
    const ingest = (e: ReceivedEdu): boolean => {
      if (this.ingested.has(e)) return false;
      this.ingested.add(e);
      if (e.edu_type === 'm.receipt' && isObject(e.content)) {
        for (const [room, byType] of Object.entries(e.content)) {
          if (!isObject(byType)) continue;
          for (const [type, byUser] of Object.entries(byType)) {
            if (!isObject(byUser)) continue;
            for (const [userId, receipt] of Object.entries(byUser)) {
              if (!isObject(receipt)) continue;
              const data = isObject(receipt.data) ? receipt.data : {};
              const thread = typeof data.thread_id === 'string' ? data.thread_id : null;
              const ids = Array.isArray(receipt.event_ids) ? receipt.event_ids.filter((x): x is string => typeof x === 'string') : [];
              for (const eventId of ids) ledger.seenAtRemote({ room, eventId, type, userId, thread }, e.receivedAt);
            }
          }
        }
      }
      return false;
    };
    // Never matches, so it runs until stop() rejects it or the deadline passes.
    this.fake.waitForEdu(ingest, { timeoutMs: Math.max(1, untilMs), since: 0 }).catch(() => undefined);
  }

  edusReceived(): number {
    return this.fake.received.edus.filter((e) => e.edu_type === 'm.receipt').length;
  }

  async stop(): Promise<void> {
    await this.fake.stop();
    if (this.logStream) await new Promise<void>((r) => this.logStream!.end(r));
  }
}
