// What a backup records about itself (its database kind and the migrations applied), and the helpers both backup
// kinds share: the schema version, and the partial file a backup is written to before it is renamed into place.
import { basename, dirname, join } from 'node:path';
import type { DatabaseKind } from './migrations/index.js';

export interface BackupInfo {
  kind: DatabaseKind;
  /** The newest migration applied in the backed-up database, e.g. `0004-audit-log`. */
  schemaVersion: string;
  migrations: string[];
}

/** The newest of the migrations: names sort in order (`0004-audit-log`). */
export function latestMigration(migrations: string[]): string {
  return [...migrations].sort().at(-1) ?? '(empty)';
}

/** Written next to the destination, renamed into place when complete: never a half-written backup under its name. */
export function partialPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
}
