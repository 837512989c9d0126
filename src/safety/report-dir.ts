// The report folder is checked before the run, not after it: a folder that cannot be written must
// cost a second and exit 2, never a whole run whose results are then lost.
import { mkdirSync, statSync, writeFileSync, rmSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, describeFsError } from './input-error.ts';

// Pseudo file systems accept some writes and hang or misbehave on others; reports never belong there.
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * Creates the report folder if needed and proves it writable by creating and removing a probe
 * file (permission bits alone lie for root and on read-only mounts). Returns the absolute path.
 * Throws InputError naming the folder and the cause.
 */
export function prepareReportDir(dir: string): string {
  const abs = resolve(dir);
  const say = (cause: string) => new InputError([`--report-dir ${dir}: ${cause}`]);
  if (PSEUDO.some((p) => abs === p || abs.startsWith(p + '/'))) throw say(`${abs} is on a pseudo file system (${abs.split('/')[1]}); choose a folder on disk`);
  try {
    const st = statSync(abs);
    if (!st.isDirectory()) throw say('exists and is not a directory');
  } catch (err) {
    if (err instanceof InputError) throw err;
    if ((err as { code?: string }).code !== 'ENOENT') throw say(`cannot be used: ${describeFsError(err)}`);
    try {
      mkdirSync(abs, { recursive: true });
    } catch (mkErr) {
      throw say(`cannot be created: ${describeFsError(mkErr)}`);
    }
  }
  // A symbolic link may lead where the path does not say.
  const real = realpathSync(abs);
  if (PSEUDO.some((p) => real === p || real.startsWith(p + '/'))) throw say(`leads to ${real}, on a pseudo file system; choose a folder on disk`);
  const probe = join(abs, `.rc-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(probe, 'probe', { flag: 'wx' });
  } catch (err) {
    throw say(`is not writable: ${describeFsError(err)}`);
  }
  rmSync(probe, { force: true });
  return abs;
}
