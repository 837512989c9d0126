// The world a load run needs: users, public rooms every user has joined, and a run of events in
// each room for receipts to point at, in the order the server stored them.
import { randomBytes } from 'node:crypto';
import type { MatrixUser } from '../client/matrix.ts';
import { RegistrationError, type Registrar } from '../client/register.ts';
import { SETUP_RETRY, mapLimit, retryAfterMs, type RunBudget } from './budget.ts';

/**
 * The room version of the load's rooms. The fake federation server only joins v10/v11 rooms
 * today; `undefined` would take the server's default. Kept here, in one place, on purpose.
 */
export const LOAD_ROOM_VERSION: string | undefined = undefined;

const CONCURRENCY = 8;

export interface World {
  /** Per-run prefix of every user and room name (`rc<6 hex>`). */
  prefix: string;
  posters: MatrixUser[];
  observers: MatrixUser[];
  /** Creates the rooms and posts the final receipt in each, after the workload. */
  sentinel: MatrixUser;
  rooms: string[];
  /** events[room][i]: the i-th prepared event of the room, oldest first. */
  events: string[][];
  /** The server's name, from a registered user's ID. */
  serverName: string;
}

export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

export interface SetupShape {
  users: number;
  observers: number;
  rooms: number;
  eventsPerRoom: number;
}

async function register(registrar: Registrar, localpart: string, budget: RunBudget): Promise<MatrixUser> {
  // A 429 surfaces as a RegistrationError whose text names the status; it is retried like any 429.
  let user: MatrixUser | undefined;
  const { res } = await budget.withRetry(
    'registration',
    async () => {
      budget.requests += 1; // the nonce or user-interactive round trip
      try {
        user = await registrar.register(localpart);
        return { status: 200, message: '' };
      } catch (err) {
        if (!(err instanceof RegistrationError)) throw err;
        return { status: /: 429\b/.test(err.message) ? 429 : 400, message: err.message };
      }
    },
    () => undefined,
    SETUP_RETRY,
  );
  if (!user) throw new SetupError(res.message);
  return user;
}

/** One set-up request; `kind` names it in the 429 counts, `what` in errors. */
async function call(budget: RunBudget, kind: string, what: string, fn: () => ReturnType<MatrixUser['call']>): Promise<any> {
  const { res } = await budget.withRetry(kind, fn, (r) => retryAfterMs(r.json), SETUP_RETRY);
  if (res.status !== 200) throw new SetupError(`${what} answered ${res.status} ${res.json?.errcode ?? ''} ${res.json?.error ?? res.text.slice(0, 200)}`.trim());
  return res.json;
}

export async function buildWorld(registrar: Registrar, shape: SetupShape, budget: RunBudget, log: (line: string) => void, serverName?: string): Promise<World> {
  const prefix = `rc${randomBytes(3).toString('hex')}`;
  const started = performance.now();
  const localparts = [`${prefix}_load_sentinel`, ...Array.from({ length: shape.users }, (_, i) => `${prefix}_load_u${i}`), ...Array.from({ length: shape.observers }, (_, i) => `${prefix}_load_obs${i}`)];
  const registered = await mapLimit(localparts, CONCURRENCY, (lp) => register(registrar, lp, budget));
  const [sentinel, ...rest] = registered;
  const posters = rest.slice(0, shape.users);
  const observers = rest.slice(shape.users);
  const name = serverName ?? sentinel!.userId.slice(sentinel!.userId.indexOf(':') + 1);

  // Creators, joiners and senders rotate so that no one user's rate limit (room creation,
  // joins, messages: all per user in Synapse's stock config) carries the whole set-up.
  const senders = [sentinel!, ...posters];
  const rooms = await mapLimit(Array.from({ length: shape.rooms }, (_, i) => i), CONCURRENCY, async (i) => {
    const body = { preset: 'public_chat', name: `${prefix} load room ${i}`, ...(LOAD_ROOM_VERSION === undefined ? {} : { room_version: LOAD_ROOM_VERSION }) };
    const creator = senders[i % senders.length]!;
    const json = await call(budget, 'POST /createRoom', `creating room ${i}`, () => creator.createRoom(body));
    if (typeof json?.room_id !== 'string') throw new SetupError(`creating room ${i} answered no room_id`);
    return json.room_id as string;
  });

  const joins = [sentinel!, ...posters, ...observers].flatMap((u) => rooms.map((room, i) => ({ u, room, creator: senders[i % senders.length] })));
  const toJoin = joins.filter((j) => j.u !== j.creator);
  await mapLimit(toJoin, CONCURRENCY, ({ u, room }) => call(budget, 'POST /join', `${u.userId} joining ${room}`, () => u.join(room)));

  // Sequential within a room so that the i-th event is also the i-th in the server's order.
  const events = await mapLimit(rooms, CONCURRENCY, async (room, r) => {
    const ids: string[] = [];
    for (let i = 0; i < shape.eventsPerRoom; i++) {
      const sender = senders[(i + r) % senders.length]!;
      const json = await call(budget, 'PUT /send', `sending event ${i} in ${room}`, () =>
        sender.sendEvent(room, 'm.room.message', { msgtype: 'm.text', body: `${prefix} load event ${i}` }, `${prefix}-${r}-${i}`),
      );
      if (typeof json?.event_id !== 'string') throw new SetupError(`sending event ${i} in ${room} answered no event_id`);
      ids.push(json.event_id);
    }
    return ids;
  });
  log(`set-up: ${registered.length} users, ${rooms.length} rooms, ${toJoin.length} joins, ${rooms.length * shape.eventsPerRoom} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { prefix, posters, observers, sentinel: sentinel!, rooms, events, serverName: name };
}
