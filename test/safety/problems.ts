// The problems an InputError lists, for tests that feed a loader a bad file.
import { expect } from 'vitest';
import { InputError } from '../../src/safety/input-error.ts';

export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('expected an InputError');
}
