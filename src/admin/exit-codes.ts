// The CLI's exit codes (documented in README and `npm run admin -- --help`), and the one mapping from an error
// thrown by the domain or a driver to a code scripts can branch on.
import { AppError, isDependencyDown } from '../errors.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  /** Refused: a conflict (name taken), a rule that forbids it (last admin), a denied check-access. */
  REFUSED: 4,
  /** The database or Redis did not answer. */
  DEPENDENCY_DOWN: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `exit codes: 0 ok, 1 failure, 2 usage (unknown command, bad option or value), 3 not found,
  4 refused or conflict (name taken, last admin, check-access denied), 5 dependency down (database, Redis)`;

/** A problem the CLI reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(EXIT.USAGE, message);

/** Connection-level failures, also when wrapped (a migration that could not connect) or aggregated (every address refused). */
function isConnectionError(err: unknown): boolean {
  if (isDependencyDown(err)) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return err instanceof Error && err.cause instanceof Error && err.cause !== err ? isConnectionError(err.cause) : false;
}

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof AppError) {
    switch (err.code) {
      case 'INVALID_ARGUMENT':
        return EXIT.USAGE;
      case 'NOT_FOUND':
        return EXIT.NOT_FOUND;
      case 'ALREADY_EXISTS':
      case 'FAILED_PRECONDITION':
      case 'PERMISSION_DENIED':
        return EXIT.REFUSED;
      case 'UNAVAILABLE':
        return EXIT.DEPENDENCY_DOWN;
      default:
        return EXIT.FAILURE;
    }
  }
  return isConnectionError(err) ? EXIT.DEPENDENCY_DOWN : EXIT.FAILURE;
}
