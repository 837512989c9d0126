// Users are registered before the scenarios run, a few at a time: registration is the server's
// costliest request (it hashes a password with its configured bcrypt cost), and doing it up front
// keeps that cost out of every scenario's timing and out of its waits.
import type { MatrixUser } from '../client/matrix.ts';
import type { AccountKind, Registrar } from '../client/register.ts';
import type { Scenario } from '../scenario/types.ts';
import { localpartOf } from './context.ts';

/** Where the suite's worker writes a file once the pool is filled (set by the benchmark). */
export const PHASE_FILE_ENV = 'RC_BENCH_PHASE_FILE';

export class UserPool implements Registrar {
  private readonly ready = new Map<string, Promise<MatrixUser>>();

  constructor(private readonly registrar: Registrar) {}

  /**
   * Registers every actor of the scenarios, at most `concurrency` users at once, and the guests one
   * after another beside them: servers limit guest registrations per address (Synapse: a burst of
   * 3, then one every 6 s), and each 429 is waited out as the server asks. Failures surface in the
   * scenario that needs the account.
   */
  async fill(scenarios: readonly Pick<Scenario, 'id' | 'users' | 'guests'>[], runPrefix: string, concurrency: number): Promise<void> {
    const accounts = (kind: AccountKind) =>
      scenarios.flatMap((s) => s.users.filter((actor) => s.guests.includes(actor) === (kind === 'guest')).map((actor) => localpartOf(runPrefix, s.id, actor)));
    const queue = (localparts: string[], kind: AccountKind, workers: number) => {
      let next = 0;
      const worker = async () => {
        while (next < localparts.length) {
          const lp = localparts[next++]!;
          const p = this.registrar.register(lp, kind);
          this.ready.set(lp, p);
          await p.catch(() => undefined);
        }
      };
      return Array.from({ length: Math.max(1, workers) }, worker);
    };
    await Promise.all([...queue(accounts('guest'), 'guest', 1), ...queue(accounts('user'), 'user', concurrency)]);
  }

  register(localpart: string, kind: AccountKind = 'user'): Promise<MatrixUser> {
    return this.ready.get(localpart) ?? this.registrar.register(localpart, kind);
  }
}
