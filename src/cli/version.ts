import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../scenario/schema.ts';

export function suiteVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
