// A slow remote: the fake server can hold its answer to the target's PUT /send. A homeserver sends
// one transaction at a time to a destination, so while our answer is outstanding it has to queue
// whatever it wants to send us next, and later send the queue as it stands (merged, batched or
// pruned). That queue is what scenarios about coalescing need to reach.
//
// A held transaction is recorded as soon as it arrives (its EDUs are visible to waits); only the
// answer waits. Bounded both ways: every held answer goes out at its deadline even without a
// release (a homeserver times a request out and backs off, which would stall the scenario), and it
// is always 200 with the transaction's normal body, never 5xx.

export interface HoldOptions {
  /** The longest one answer is held; the target's own request timeout must be longer. */
  maxHoldMs: number;
  /** Hold only transactions carrying an EDU of one of these types; any transaction when absent. */
  eduTypes?: readonly string[];
}

/** Bounds for maxHoldMs: Synapse's federation client times out at 10 s in the suite's config. */
export const MAX_HOLD_MS = 8_000;
export const DEFAULT_HOLD_MS = 5_000;

interface Held {
  txnId: string;
  since: number;
  timer: NodeJS.Timeout;
  answer: () => void;
}

export interface ReleaseSummary {
  /** Answers that were still held when released. */
  released: number;
  /** Answers sent at their deadline before the release came. */
  expired: number;
}

export class SendGate {
  private holding: HoldOptions | undefined;
  private readonly held = new Set<Held>();
  private expired = 0;

  constructor(private readonly log: (line: string) => void) {}

  /** From now on, matching transactions wait for release() (or their deadline) before their 200. */
  hold(opts: HoldOptions): void {
    if (!(opts.maxHoldMs > 0 && opts.maxHoldMs <= MAX_HOLD_MS)) throw new Error(`maxHoldMs must be in (0, ${MAX_HOLD_MS}], got ${opts.maxHoldMs}`);
    this.holding = { ...opts };
    this.expired = 0;
    this.log(`holding answers to PUT /send${opts.eduTypes ? ` carrying ${opts.eduTypes.join(', ')}` : ''} (at most ${opts.maxHoldMs} ms each)`);
  }

  get heldCount(): number {
    return this.held.size;
  }

  get isHolding(): boolean {
    return this.holding !== undefined;
  }

  /** Answers every held transaction now and stops holding new ones. */
  release(): ReleaseSummary {
    const summary = { released: this.held.size, expired: this.expired };
    this.holding = undefined;
    this.expired = 0;
    for (const h of [...this.held]) this.answer(h, 'released');
    return summary;
  }

  /**
   * Resolves when the transaction's answer may go out: at once when nothing is held, else on
   * release or at the deadline. Called after the transaction has been recorded.
   */
  pass(txnId: string, body: unknown): Promise<void> {
    const opts = this.holding;
    if (!opts || !carries(body, opts.eduTypes)) return Promise.resolve();
    return new Promise((resolve) => {
      const h: Held = {
        txnId,
        since: Date.now(),
        answer: resolve,
        timer: setTimeout(() => {
          this.expired++;
          this.answer(h, `deadline of ${opts.maxHoldMs} ms`);
        }, opts.maxHoldMs),
      };
      this.held.add(h);
      this.log(`holding the answer to transaction ${txnId}`);
    });
  }

  private answer(h: Held, why: string): void {
    if (!this.held.delete(h)) return;
    clearTimeout(h.timer);
    this.log(`answering transaction ${h.txnId} after ${Date.now() - h.since} ms (${why})`);
    h.answer();
  }
}

function carries(body: unknown, types: readonly string[] | undefined): boolean {
  if (types === undefined) return true;
  const edus = (body as { edus?: unknown } | null)?.edus;
  return Array.isArray(edus) && edus.some((e) => types.includes(String((e as { edu_type?: unknown } | null)?.edu_type)));
}
