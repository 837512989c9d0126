// A file or option the operator gave is unusable: the CLI maps this to exit code 2 and prints the
// problems, one per line, each starting with file:line:col where there is a position.

export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InputError';
  }
}

/** At most `max` problems, the rest summarised in one line: a broken file must not flood the terminal. */
export function capProblems(problems: readonly string[], max = 20): string[] {
  if (problems.length <= max) return [...problems];
  const more = problems.length - max;
  return [...problems.slice(0, max), `… and ${more} more problem${more === 1 ? '' : 's'}`];
}

/** The error code of a failed fs call, in words a user can act on. */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: string })?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent of this path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'already exists';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'path too long';
    default:
      return code ? `${code}: ${(err as Error).message}` : String((err as Error)?.message ?? err);
  }
}
