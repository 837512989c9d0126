// Typed failures of the fake server's joins, so that the runner can tell "this harness cannot play this room
// version" (a verdict of `unsupported`) from a target that broke (an `error`).

export interface ServerAnswer {
  status: number;
  body: unknown;
}

function short(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * The room uses a version this fake does not implement: make_join answered M_INCOMPATIBLE_ROOM_VERSION,
 * or offered a template for a version we did not ask for.
 */
export class UnsupportedRoomVersionError extends Error {
  constructor(
    readonly roomId: string,
    /** The room's version as the target named it, or undefined when it did not say. */
    readonly roomVersion: string | undefined,
    /** The versions the fake offered in `ver=`. */
    readonly offered: readonly string[],
    /** The target's answer to make_join. */
    readonly answer: ServerAnswer,
  ) {
    super(
      `room ${roomId} uses room version ${roomVersion ?? '(not given)'}, which this fake homeserver does not implement ` +
        `(it offered ${offered.join(', ')}); make_join answered ${answer.status} ${short(answer.body)}`,
    );
    this.name = 'UnsupportedRoomVersionError';
  }
}

/** A join failed for any other reason: the step that failed and the target's answer, when there was one. */
export class JoinError extends Error {
  constructor(
    readonly step: 'make_join' | 'send_join',
    readonly roomId: string,
    readonly userId: string,
    readonly reason: string,
    readonly answer?: ServerAnswer,
  ) {
    super(`${step} for ${userId} in ${roomId} failed: ${reason}${answer ? `: ${answer.status} ${short(answer.body)}` : ''}`);
    this.name = 'JoinError';
  }
}

/** True for make_join's "I cannot give you a room of a version you support" answer. */
export function isIncompatibleRoomVersion(answer: ServerAnswer): boolean {
  const body = answer.body as { errcode?: unknown } | undefined;
  return answer.status === 400 && body?.errcode === 'M_INCOMPATIBLE_ROOM_VERSION';
}
