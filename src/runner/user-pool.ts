// Users are registered before the scenarios run, a few at a time: registration is the server's
// costliest request (it hashes a password with its configured bcrypt cost), and doing it up front
// keeps that cost out of every scenario's timing and out of its waits.
import type { MatrixUser } from '../client/matrix.ts';
import type { Registrar } from '../client/register.ts';
import type { Scenario } from '../scenario/types.ts';
import { localpartOf } from './context.ts';

export class UserPool implements Registrar {
  private readonly ready = new Map<string, Promise<MatrixUser>>();

  constructor(private readonly registrar: Registrar) {}

  /** Registers every actor of the scenarios, at most `concurrency` at once; failures surface in the scenario that needs the user. */
  async fill(scenarios: readonly Pick<Scenario, 'id' | 'users'>[], runPrefix: string, concurrency: number): Promise<void> {
    const localparts = scenarios.flatMap((s) => s.users.map((actor) => localpartOf(runPrefix, s.id, actor)));
    let next = 0;
    const worker = async () => {
      while (next < localparts.length) {
        const lp = localparts[next++]!;
        const p = this.registrar.register(lp);
        this.ready.set(lp, p);
        await p.catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }

  register(localpart: string): Promise<MatrixUser> {
    return this.ready.get(localpart) ?? this.registrar.register(localpart);
  }
}
