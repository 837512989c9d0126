// Whether the target sends receipts down a channel at all (to the suite's application service, to
// the suite's fake federation server), learnt once per run by a probe. On a channel the target
// never uses, every wait for a receipt would run out its deadline, and so would a sentinel's: the
// probe's evidence lets those waits end at once, and their verdicts say what the probe saw.
export type ReceiptPush = { pushed: true; ms: number } | { pushed: false; evidence: string };

/** The text a wait's verdicts carry when the probe found the channel unused; undefined otherwise. */
export function neverArrives(push: ReceiptPush | undefined, channel: string): string | undefined {
  return push?.pushed === false ? `the run's probe found that the target sends no receipts ${channel} (${push.evidence})` : undefined;
}
