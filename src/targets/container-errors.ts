// Kept apart from container.ts so that the CLI can name it without loading testcontainers.
import { TargetError } from './target.ts';

/**
 * No usable container runtime (no daemon, DOCKER_HOST unreachable, no permission). Callers must
 * report the container target as skipped, loudly, never as passed.
 */
export class ContainerRuntimeUnavailable extends TargetError {
  readonly skipped = true;
  constructor(message: string) {
    super(message);
    this.name = 'ContainerRuntimeUnavailable';
  }
}
