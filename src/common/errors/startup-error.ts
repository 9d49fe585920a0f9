/**
 * A reason not to start that the operator can act on (a folder out of reach, a port taken): entrypoints print its
 * message alone, without a stack trace, since the trace says nothing the message does not.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** What an entrypoint prints when it cannot start: the message of a StartupError, the stack of anything else. */
export function describeStartupFailure(err: unknown): string {
  if (err instanceof StartupError) return err.message;
  return (err as Error)?.stack ?? String(err);
}
