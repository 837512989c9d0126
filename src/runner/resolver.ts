// What checks need of a scenario: names to IDs. The scenario context implements it; unit tests
// fake it.
import type { ThreadWant } from './receipts.ts';

export interface Resolver {
  room(name?: string): string;
  roomRef(ref: string): string;
  event(ref: string): string;
  user(ref: string): string;
  /** `main` stays `main`; a name becomes the root's event ID; null and undefined stay. */
  thread(ref: string | null | undefined): ThreadWant;
  nowMs(): number;
  /** Why the event can never arrive (the transaction carrying it was refused), or undefined. */
  refused(eventId: string): string | undefined;
}
