// The --users-file: pre-made accounts for servers where the suite cannot register anyone. Read
// and checked in full before any request, so that a typo costs a second, not a run; every token
// in it is registered for redaction the moment it is read, even when the file is rejected.
import { readYamlFile, type ParsedYaml, type YamlLimits } from './yaml.ts';
import { InputError, capProblems } from './input-error.ts';
import { addSecret } from './redaction.ts';

export interface UserEntry {
  user_id: string;
  access_token: string;
  device_id?: string;
}

const KEYS = ['user_id', 'access_token', 'device_id'];
// The grammar of user IDs is looser in old rooms; this checks only what the suite relies on.
const USER_ID = /^@[^:\s]+:[^\s]+$/;

/**
 * Reads a YAML or JSON users file: a list of {user_id, access_token, device_id?}, or a mapping
 * with such a list under `users`. Throws InputError with file:line:col for every problem; never
 * prints a token.
 */
export function loadUsersFile(file: string, limits: Partial<YamlLimits> = {}): UserEntry[] {
  const parsed = readYamlFile(file, limits, 'users file');
  return checkUsers(parsed);
}

export function checkUsers(parsed: ParsedYaml): UserEntry[] {
  const data = parsed.data;
  // Secrets first: whatever is wrong with the file, its tokens must not reach any output.
  registerTokens(data);
  let list: unknown;
  let base: (string | number)[];
  if (Array.isArray(data)) {
    list = data;
    base = [];
  } else if (data && typeof data === 'object' && 'users' in data) {
    list = (data as { users: unknown }).users;
    base = ['users'];
  } else {
    throw new InputError([`${parsed.at([])}: expected a list of {user_id, access_token} (or a mapping with such a list under "users"), got ${kindOf(data)}`]);
  }
  if (!Array.isArray(list)) throw new InputError([`${parsed.at(base)}: "users" must be a list of {user_id, access_token}, got ${kindOf(list)}`]);
  if (list.length === 0) throw new InputError([`${parsed.at(base)}: the users file lists no users`]);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const users: UserEntry[] = [];
  list.forEach((u: unknown, i: number) => {
    const p = [...base, i];
    if (!u || typeof u !== 'object' || Array.isArray(u)) {
      problems.push(`${parsed.at(p)}: user ${i + 1}: expected a mapping with user_id and access_token, got ${kindOf(u)}`);
      return;
    }
    const entry = u as Record<string, unknown>;
    for (const k of Object.keys(entry)) if (!KEYS.includes(k)) problems.push(`${parsed.at([...p, k], true)}: user ${i + 1}: unknown key "${k}"; expected ${KEYS.join(', ')}`);
    const { user_id: userId, access_token: token, device_id: deviceId } = entry;
    if (typeof userId !== 'string' || !USER_ID.test(userId)) problems.push(`${parsed.at([...p, 'user_id'])}: user ${i + 1}: user_id must be a full user ID such as "@alice:example.org"${userId === undefined ? ' (missing)' : ''}`);
    // The token itself is never quoted back, only what is wrong with it.
    if (typeof token !== 'string' || token.length === 0 || /\s/.test(token)) problems.push(`${parsed.at([...p, 'access_token'])}: user ${i + 1}: access_token must be a non-empty string without spaces${token === undefined ? ' (missing)' : ''}`);
    if (deviceId !== undefined && typeof deviceId !== 'string') problems.push(`${parsed.at([...p, 'device_id'])}: user ${i + 1}: device_id must be a string`);
    if (typeof userId === 'string') {
      const prior = seen.get(userId);
      if (prior !== undefined) problems.push(`${parsed.at([...p, 'user_id'])}: user ${i + 1}: ${userId} is listed twice (first as user ${prior + 1}); each user is handed out once`);
      else seen.set(userId, i);
    }
    if (typeof userId === 'string' && typeof token === 'string') users.push({ user_id: userId, access_token: token, ...(typeof deviceId === 'string' ? { device_id: deviceId } : {}) });
  });
  if (problems.length) throw new InputError(capProblems(problems));
  return users;
}

function registerTokens(value: unknown, depth = 0): void {
  if (depth > 4 || !value || typeof value !== 'object') return;
  if (Array.isArray(value)) value.forEach((v) => registerTokens(v, depth + 1));
  else
    for (const [k, v] of Object.entries(value)) {
      if (k === 'access_token' || k === 'refresh_token') addSecret(v);
      else registerTokens(v, depth + 1);
    }
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}
