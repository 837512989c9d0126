// {{placeholder}} filling for target files and config templates. An unknown name is an error,
// never an empty string, so a typo in a template cannot silently produce a broken config.
import { readFileSync } from 'node:fs';
import type { TargetFile } from './schema.ts';
import { displayPath } from '../../safety/yaml.ts';

export const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\s*\}\}/g;

const ALWAYS = [
  'name',
  'version',
  'server_name',
  'port',
  'base_url',
  'data_dir',
  'install_dir',
  // The suite's fake homeserver certificate (PEM): a CA file for servers that verify TLS.
  'federation_ca_file',
  // The same self-signed pair, for old servers that refuse to start without a TLS certificate.
  'tls_cert_file',
  'tls_key_file',
];
const POSTGRES = ['postgres.url', 'postgres.host', 'postgres.port', 'postgres.user', 'postgres.database'];

/** Every placeholder a target file may use, given the secrets and services it declares. */
export function placeholderNames(spec: Pick<TargetFile, 'secrets' | 'services'>): Set<string> {
  const names = new Set(ALWAYS);
  for (const s of Object.keys(spec.secrets ?? {})) names.add(`secret.${s}`);
  if (spec.services?.some((s) => s.postgres)) for (const p of POSTGRES) names.add(p);
  return names;
}

export class RenderError extends Error {}

export function render(text: string, values: Record<string, string>, where = 'target file'): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new RenderError(`${where}: unknown placeholder {{${name}}}; known: ${Object.keys(values).sort().join(', ')}`);
    return v;
  });
}

/** Renders a template file; an unknown placeholder is reported at its file:line:col. */
export function renderTemplateFile(file: string, values: Record<string, string>): string {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (values[m[1]!] === undefined) {
      const before = text.slice(0, m.index);
      const line = before.split('\n').length;
      const col = m.index! - before.lastIndexOf('\n');
      throw new RenderError(`${displayPath(file)}:${line}:${col}: unknown placeholder {{${m[1]}}}; known: ${Object.keys(values).sort().join(', ')}`);
    }
  }
  return render(text, values, displayPath(file));
}
