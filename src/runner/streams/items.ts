// What each stream yields to the checks of a wait.
import type { JsonObject } from '../json.ts';

/** One /sync response (its next_batch is a string; everything else is as the server sent it). */
export type SyncItem = JsonObject;

/** One response of simplified sliding sync (MSC4186): its pos is a string; the rest is as the server sent it. */
export type SlidingItem = JsonObject;

/** One transaction the target sent the fake federation server, with its EDUs in order. */
export interface EduTxn {
  txnId: string;
  origin: string;
  edus: { edu_type: string; content: unknown }[];
}

/** One transaction the target pushed to the suite's application service, reduced to the scenario's rooms. */
export type { ObservedTxn as AsTxn } from '../../appservice/access.ts';
