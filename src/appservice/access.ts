// What crosses from the target (which registers the suite as an application service and runs its
// receiver) to the scenarios (which read what the receiver recorded and act as the AS's users).
// The tokens are secrets: whoever holds this object registers them for redaction.
import type { ReceiptPush } from '../runner/receipt-push.ts';

export interface AppServiceAccess {
  /** The registration's `id`, for /_matrix/client/v1/appservice/{id}/ping. */
  id: string;
  /** The token the suite uses towards the homeserver as the application service. */
  asToken: string;
  /** Localpart prefix of the users in the AS's exclusive namespace (`_rcas_`). */
  userPrefix: string;
  /** The registration's sender_localpart (not in the users namespace). */
  senderLocalpart: string;
  /** Where the scenarios ask the receiver for what it recorded (loopback). */
  observerUrl: string;
  /** Bearer token of the observer endpoint; the homeserver never learns it. */
  observerToken: string;
  /** What the run's probe learnt (receipt-probe.ts); absent when it could not run. */
  receiptPush?: ReceiptPush;
}

/** One transaction as the observer hands it to a scenario: only the parts about its rooms. */
export interface ObservedTxn {
  /** Position in the receiver's log (arrival order across the whole run). */
  seq: number;
  txnId: string;
  /** performance.timeOrigin-based wall clock, ms. */
  receivedAt: number;
  /** Which body key carried the ephemeral list: the stable one, MSC2409's unstable one, or none. */
  ephemeralKey: 'ephemeral' | 'de.sorunome.msc2409.ephemeral' | null;
  /** The body had a top-level `events` array, as the transaction schema requires. */
  hasEvents: boolean;
  /** The ephemeral items of the scenario's rooms, as sent. */
  ephemeral: Record<string, unknown>[];
  /** The scenario's PDUs in `events`, reduced to what checks read. */
  events: { event_id?: unknown; room_id?: unknown; type?: unknown; sender?: unknown }[];
  /** How often the homeserver sent this txnId again, and whether a repeat differed from the first body. */
  repeats: number;
  alteredOnRepeat: boolean;
  /** How the hs_token arrived: the Authorization header (v1.4+), the legacy query parameter, or both. */
  auth: 'header' | 'query' | 'both';
}

export interface ObserveRequest {
  since: number;
  /** The scenario's room IDs: a transaction is returned when an item names one of them. */
  rooms: string[];
  /** The scenario's event IDs: an m.receipt without a room_id is routed by the events it names. */
  events: string[];
  timeout_ms: number;
}

export interface ObserveReply {
  /** Where the next request starts. */
  next: number;
  transactions: ObservedTxn[];
  /** Transactions dropped from the log's front by its cap (a reader behind them missed some). */
  dropped: number;
}
