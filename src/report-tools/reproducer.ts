// Evidence a server's developers can replay: the requests behind a finding as a POSIX sh script of
// curl commands, and as a compact transcript. The base URL is $HS and each actor's token is
// $TOKEN_<ACTOR>; no real token ever appears: access_token query parameters are dropped and any
// secret passed in is blanked.
import type { RequestRecord } from '../model.ts';

export interface ReproRequest extends RequestRecord {
  /** The scenario actor whose token authorised the request; none for unauthenticated requests. */
  actor?: string;
}

export interface ReproOptions {
  /** Literal secrets to blank wherever they appear (tokens, shared secrets). */
  secrets?: string[];
  /** Transcript only: characters of a request or response body kept before it is cut. */
  maxBodyChars?: number;
}

export const REDACTED = '<redacted>';
const DEFAULT_MAX_BODY = 1000;

/** One word for POSIX sh: single quotes keep every byte literal; a quote is closed, escaped, reopened. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The environment variable that holds an actor's token: TOKEN_ALICE, TOKEN_REMOTE_BOB. */
export function tokenVar(actor: string): string {
  const name = actor
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return `TOKEN_${name || 'USER'}`;
}

function blank(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out;
}

/** The path without access_token query parameters: the token travels in a header instead. */
export function stripTokenParam(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const kept = path
    .slice(q + 1)
    .split('&')
    .filter((p) => p && !/^access_token=/i.test(p));
  return kept.length ? `${path.slice(0, q)}?${kept.join('&')}` : path.slice(0, q);
}

/** The body as sent: a string is a raw body (the runner's `raw:`), anything else is JSON. */
function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** printf's format for `text`: printf turns \000 back into the NUL byte no sh word can hold. */
function printfFormat(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\0/g, '\\000');
}

export function curlCommand(r: ReproRequest, opts: ReproOptions = {}): string {
  const secrets = opts.secrets ?? [];
  const path = blank(stripTokenParam(r.path), secrets);
  const words = ['curl', '-sS', '-X', shQuote(r.method.toUpperCase()), `"$HS"${shQuote(path.startsWith('/') ? path : `/${path}`)}`];
  if (r.actor !== undefined) words.push('-H', `"Authorization: Bearer $${tokenVar(r.actor)}"`);
  const body = bodyText(r.body);
  if (body === undefined) return words.join(' ');
  words.push('-H', shQuote('Content-Type: application/json'));
  const sent = blank(body, secrets);
  if (!sent.includes('\0')) return [...words, '--data-binary', shQuote(sent)].join(' ');
  return `printf ${shQuote(printfFormat(sent))} | ${[...words, '--data-binary', '@-'].join(' ')}`;
}

/** A script that replays the requests in order; it stops early if HS or a token is unset. */
export function reproducerScript(records: readonly ReproRequest[], opts: ReproOptions = {}): string {
  const actors = [...new Set(records.flatMap((r) => (r.actor !== undefined ? [r.actor] : [])))];
  const vars = [...new Map(actors.map((a) => [tokenVar(a), a])).entries()];
  const usage = ['HS=https://homeserver.example', ...vars.map(([v]) => `${v}=...`), 'sh repro.sh'].join(' ');
  const lines = [
    '#!/bin/sh',
    '# Replays the requests behind this finding. Give the base URL and an access token per actor:',
    `#   ${usage}`,
    'set -u',
    ': "${HS:?set HS to the homeserver base URL, e.g. https://matrix.example.org}"',
    ...vars.map(([v, a]) => `: "\${${v}:?set ${v} to an access token of the user playing ${blank(a, opts.secrets ?? []).replace(/[^\w .@:-]/g, '?')}}"`),
  ];
  records.forEach((r, i) => {
    lines.push('', `# ${i + 1}. ${r.method.toUpperCase()}${r.status !== undefined ? `, answered ${r.status} in the run` : ''}`);
    lines.push(curlCommand(r, opts));
    lines.push('echo');
  });
  return `${lines.join('\n')}\n`;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** A compact log of the exchange: request line, body, status and response, each body cut short. */
export function transcript(records: readonly ReproRequest[], opts: ReproOptions = {}): string {
  const secrets = opts.secrets ?? [];
  const max = opts.maxBodyChars ?? DEFAULT_MAX_BODY;
  const blocks = records.map((r) => {
    const who = r.actor !== undefined ? `  (as ${r.actor})` : '';
    const lines = [`> ${r.method.toUpperCase()} ${blank(stripTokenParam(r.path), secrets)}${who}`];
    const body = bodyText(r.body);
    if (body !== undefined) lines.push(indent(cut(blank(body, secrets), max)));
    lines.push(`< ${r.status ?? 'no response'}`);
    const response = bodyText(r.response);
    if (response !== undefined && response !== '') lines.push(indent(cut(blank(response, secrets), max)));
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
