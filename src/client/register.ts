// Ways of getting fresh users on a server. Which one works depends on how the server is run,
// so the target chooses; scenarios only ask for "a new user".
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { MatrixApi, MatrixUser } from './matrix.ts';

export type RegistrationConfig =
  | { mode: 'shared-secret'; sharedSecret: string }
  | { mode: 'open' }
  | { mode: 'users-file'; file: string };

export class RegistrationError extends Error {}

export interface Registrar {
  register(localpart: string): Promise<MatrixUser>;
}

export function makeRegistrar(api: MatrixApi, cfg: RegistrationConfig): Registrar {
  switch (cfg.mode) {
    case 'shared-secret':
      return new SharedSecretRegistrar(api, cfg.sharedSecret);
    case 'open':
      return new OpenRegistrar(api);
    case 'users-file':
      return new UsersFileRegistrar(api, cfg.file);
  }
}

const password = () => randomBytes(12).toString('hex');

/** The admin API of Synapse and Dendrite: works even when public registration is closed. */
class SharedSecretRegistrar implements Registrar {
  constructor(private api: MatrixApi, private secret: string) {}
  async register(localpart: string): Promise<MatrixUser> {
    const path = '/_synapse/admin/v1/register';
    const nonceRes = await this.api.call('GET', path);
    const nonce = nonceRes.json?.nonce;
    if (nonceRes.status !== 200 || typeof nonce !== 'string') {
      throw new RegistrationError(`shared-secret registration: GET ${path} gave ${nonceRes.status} ${nonceRes.text.slice(0, 200)}`);
    }
    const pass = password();
    const mac = createHmac('sha1', this.secret).update(`${nonce}\0${localpart}\0${pass}\0notadmin`).digest('hex');
    const res = await this.api.call('POST', path, { json: { nonce, username: localpart, password: pass, admin: false, mac } });
    if (res.status !== 200 || !res.json?.access_token) {
      throw new RegistrationError(`shared-secret registration of ${localpart}: ${res.status} ${res.json?.errcode ?? ''} ${res.json?.error ?? res.text.slice(0, 200)}`);
    }
    return new MatrixUser(this.api, res.json.user_id, res.json.access_token, res.json.device_id);
  }
}

/** Open registration completing the m.login.dummy stage. */
class OpenRegistrar implements Registrar {
  constructor(private api: MatrixApi) {}
  async register(localpart: string): Promise<MatrixUser> {
    const body: Record<string, unknown> = { username: localpart, password: password(), inhibit_login: false };
    let res = await this.api.call('POST', '/register', { json: body });
    if (res.status === 401 && res.json?.session) {
      res = await this.api.call('POST', '/register', { json: { ...body, auth: { type: 'm.login.dummy', session: res.json.session } } });
    }
    if (res.status !== 200 || !res.json?.access_token) {
      throw new RegistrationError(`open registration of ${localpart}: ${res.status} ${res.json?.errcode ?? ''} ${res.json?.error ?? res.text.slice(0, 200)}`);
    }
    return new MatrixUser(this.api, res.json.user_id, res.json.access_token, res.json.device_id);
  }
}

/**
 * Pre-made users, for servers where the suite cannot register anyone. The file is YAML or JSON:
 * a list of {user_id, access_token}. Users are handed out in order, each once per run.
 */
class UsersFileRegistrar implements Registrar {
  private users: { user_id: string; access_token: string }[];
  private next = 0;
  constructor(private api: MatrixApi, file: string) {
    this.users = loadUsersFile(file);
  }
  async register(localpart: string): Promise<MatrixUser> {
    const u = this.users[this.next++];
    if (!u) throw new RegistrationError(`users file has only ${this.users.length} users; the run needs more (asked for "${localpart}")`);
    return new MatrixUser(this.api, u.user_id, u.access_token);
  }
}

export function loadUsersFile(file: string): { user_id: string; access_token: string }[] {
  const text = readFileSync(file, 'utf8');
  const parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const list = Array.isArray(parsed) ? parsed : parsed?.users;
  if (!Array.isArray(list) || list.some((u: any) => typeof u?.user_id !== 'string' || typeof u?.access_token !== 'string')) {
    throw new RegistrationError(`${file}: expected a list of {user_id, access_token}`);
  }
  return list;
}

