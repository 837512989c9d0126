// Ways of getting fresh users on a server. Which one works depends on how the server is run,
// so the target chooses; scenarios only ask for "a new user".
import { createHmac, randomBytes } from 'node:crypto';
import { MatrixApi, MatrixUser, type ApiResult } from './matrix.ts';
import { addSecret, safeText } from '../safety/redaction.ts';
import { excerpt } from '../safety/terminal.ts';
import { loadUsersFile as loadCheckedUsersFile, type UserEntry } from '../safety/users-file.ts';

export type RegistrationConfig =
  | { mode: 'shared-secret'; sharedSecret: string }
  | { mode: 'open' }
  | { mode: 'users-file'; file: string };

/** Registration failed. The message is redacted and printable by construction: servers echo secrets. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(message: string) {
    super(safeText(message));
  }
}

/** What a failed registration answered, in one printable line: errcode and error, else an excerpt. */
function answer(res: ApiResult): string {
  const errcode = typeof res.json?.errcode === 'string' ? res.json.errcode : '';
  const error = typeof res.json?.error === 'string' ? res.json.error : '';
  return `${res.status}${errcode || error ? ` ${excerpt(`${errcode} ${error}`.trim())}` : res.text ? `: ${excerpt(res.text)}` : ''}`;
}

/** Every credential a registration hands back is a secret of this process from the moment it arrives. */
function remember(json: any): void {
  addSecret(json?.access_token);
  addSecret(json?.refresh_token);
}

/** A full account, made the target's way, or a guest account (the same on every server). */
export type AccountKind = 'user' | 'guest';

export interface Registrar {
  register(localpart: string, kind?: AccountKind): Promise<MatrixUser>;
}

export function makeRegistrar(api: MatrixApi, cfg: RegistrationConfig): Registrar {
  const users = usersRegistrar(api, cfg);
  return { register: (localpart, kind = 'user') => (kind === 'guest' ? registerGuest(api) : users.register(localpart)) };
}

function usersRegistrar(api: MatrixApi, cfg: RegistrationConfig): Registrar {
  switch (cfg.mode) {
    case 'shared-secret':
      return new SharedSecretRegistrar(api, cfg.sharedSecret);
    case 'open':
      return new OpenRegistrar(api);
    case 'users-file':
      return new UsersFileRegistrar(api, cfg.file);
  }
}

/**
 * A guest account: POST /register?kind=guest with an empty body (Client-Server API, Guest access);
 * the server picks the user ID and device. A 429 is waited out as the server asks, within the
 * client's bounds: servers limit registrations per address, and a run asks for several guests.
 */
export async function registerGuest(api: MatrixApi): Promise<MatrixUser> {
  const res = await api.call('POST', '/register', { query: { kind: 'guest' }, json: {} });
  remember(res.json);
  if (res.status !== 200 || typeof res.json?.access_token !== 'string' || typeof res.json?.user_id !== 'string') {
    throw new RegistrationError(`guest registration: POST /register?kind=guest answered ${answer(res)}`);
  }
  return new MatrixUser(api, res.json.user_id, res.json.access_token, typeof res.json.device_id === 'string' ? res.json.device_id : undefined);
}

const password = () => randomBytes(12).toString('hex');

/** The admin API of Synapse and Dendrite: works even when public registration is closed. */
class SharedSecretRegistrar implements Registrar {
  constructor(private api: MatrixApi, private secret: string) {
    addSecret(secret);
  }
  async register(localpart: string): Promise<MatrixUser> {
    const path = '/_synapse/admin/v1/register';
    const nonceRes = await this.api.call('GET', path);
    const nonce = nonceRes.json?.nonce;
    if (nonceRes.status !== 200 || typeof nonce !== 'string') {
      throw new RegistrationError(`shared-secret registration: GET ${path} answered ${answer(nonceRes)}`);
    }
    const pass = password();
    const mac = createHmac('sha1', this.secret).update(`${nonce}\0${localpart}\0${pass}\0notadmin`).digest('hex');
    addSecret(pass);
    const res = await this.api.call('POST', path, { json: { nonce, username: localpart, password: pass, admin: false, mac } });
    remember(res.json);
    if (res.status !== 200 || typeof res.json?.access_token !== 'string') {
      throw new RegistrationError(`shared-secret registration of ${localpart}: POST ${path} answered ${answer(res)}`);
    }
    return new MatrixUser(this.api, res.json.user_id, res.json.access_token, res.json.device_id);
  }
}

/** Open registration completing the m.login.dummy stage. */
class OpenRegistrar implements Registrar {
  constructor(private api: MatrixApi) {}
  async register(localpart: string): Promise<MatrixUser> {
    const pass = password();
    addSecret(pass);
    const body: Record<string, unknown> = { username: localpart, password: pass, inhibit_login: false };
    let res = await this.api.call('POST', '/register', { json: body });
    if (res.status === 401 && typeof res.json?.session === 'string') {
      res = await this.api.call('POST', '/register', { json: { ...body, auth: { type: 'm.login.dummy', session: res.json.session } } });
    }
    remember(res.json);
    if (res.status !== 200 || typeof res.json?.access_token !== 'string') {
      throw new RegistrationError(`open registration of ${localpart}: POST /register answered ${answer(res)}`);
    }
    return new MatrixUser(this.api, res.json.user_id, res.json.access_token, res.json.device_id);
  }
}

/**
 * Pre-made users, for servers where the suite cannot register anyone. The file is YAML or JSON:
 * a list of {user_id, access_token}. Users are handed out in order, each once per run.
 */
class UsersFileRegistrar implements Registrar {
  private users: UserEntry[];
  private next = 0;
  constructor(private api: MatrixApi, file: string) {
    this.users = loadUsersFile(file);
  }
  async register(localpart: string): Promise<MatrixUser> {
    const u = this.users[this.next++];
    if (!u) throw new RegistrationError(`users file has only ${this.users.length} users; the run needs more (asked for "${localpart}")`);
    return new MatrixUser(this.api, u.user_id, u.access_token, u.device_id);
  }
}

/**
 * Reads and checks a users file; its tokens are registered for redaction as they are read.
 * Throws InputError (src/safety/input-error.ts) with file:line:col: the CLI's exit 2.
 */
export function loadUsersFile(file: string): UserEntry[] {
  return loadCheckedUsersFile(file);
}

/**
 * Checks, before a run, that registration works at all: registers one user (or, for a users file,
 * asks /account/whoami with every token). One clear error instead of one per scenario.
 * Throws RegistrationError naming the endpoint and what it answered.
 */
export async function probeRegistration(api: MatrixApi, cfg: RegistrationConfig, localpart: string, opts: { deadlineMs?: number } = {}): Promise<MatrixUser> {
  const deadline = performance.now() + (opts.deadlineMs ?? 20_000);
  // One deadline over the whole probe, whatever the number of requests it takes.
  api = new MatrixApi({ ...api.opts, deadline });
  if (cfg.mode !== 'users-file') {
    // The probe user is an ordinary run user (it carries the run prefix); it is simply not used again.
    return makeRegistrar(api, cfg).register(localpart);
  }
  const users = loadUsersFile(cfg.file);
  const problems: string[] = [];
  for (const [i, u] of users.entries()) {
    const res = await api.call('GET', '/account/whoami', { token: u.access_token });
    if (res.status !== 200) problems.push(`user ${i + 1} (${u.user_id}): GET /account/whoami answered ${answer(res)}`);
    else if (res.json?.user_id !== u.user_id) problems.push(`user ${i + 1}: the token belongs to ${excerpt(String(res.json?.user_id))}, not ${u.user_id}`);
  }
  if (problems.length) throw new RegistrationError(`users file ${cfg.file}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; … and ${problems.length - 5} more` : ''}`);
  return new MatrixUser(api, users[0]!.user_id, users[0]!.access_token);
}
