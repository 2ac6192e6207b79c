// Versioned migrations, in order. Names sort lexically; a new migration gets the next number and never edits
// an old one.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { auditLogMigration } from './0004-audit-log.js';
import { personalAccessTokensMigration } from './0002-personal-access-tokens.js';
import { identityProvidersMigration } from './0003-identity-providers.js';
import { namesMigration } from './0005-names.js';
import { oidcProviderMigration } from './0007-oidc-provider.js';
import { secondFactorsMigration } from './0008-second-factors.js';
import { groupsMigration } from './0011-groups.js';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface GatewayMigration extends Migration {
  name: string;
}

export function listMigrations(kind: DatabaseKind): GatewayMigration[] {
  return [
    initialMigration(kind), personalAccessTokensMigration(kind), identityProvidersMigration(kind), auditLogMigration(kind),
    namesMigration(kind), oidcProviderMigration(kind), secondFactorsMigration(kind),
    groupsMigration(kind),
  ];
}

export function migrationProvider(kind: DatabaseKind): MigrationProvider {
  return {
    async getMigrations() {
      return Object.fromEntries(listMigrations(kind).map((m) => [m.name, { up: m.up } satisfies Migration]));
    },
  };
}

export type AnyKysely = Kysely<any>;
