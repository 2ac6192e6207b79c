// The durable store: every repository over one Kysely instance (MySQL via mysql2, or embedded SQLite), a
// transaction that hands out the same repositories bound to it, and versioned migrations run at open.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, MysqlDialect, SqliteDialect, sql, type KyselyConfig, type Transaction } from 'kysely';
import type { PersonalAccessTokenRepository } from '../auth/personal-access-token.js';
import type { AuditLogRepository } from '../audit/audit-log.js';
import type { RefreshTokenRepository } from '../auth/refresh-token-record.js';
import type { SettingRepository } from '../settings/setting-repository.js';
import type { IdpRepository } from '../sso/identity-provider.js';
import type { UserIdentityRepository } from '../sso/user-identity.js';
import type { SessionRepository } from '../sessions/session.js';
import type { UserRepository } from '../users/user.js';
import { migrationProvider, type DatabaseKind } from './migrations/index.js';
import type { Database } from './schema.js';
import { SqlPersonalAccessTokenRepository } from './sql/personal-access-tokens.js';
import { SqlAuditLogRepository } from './sql/audit-logs.js';
import { withQueryTimeout } from './sql/query-timeout.js';
import { SqlRefreshTokenRepository } from './sql/refresh-tokens.js';
import { SqlSessionRepository } from './sql/sessions.js';
import { SqlSettingRepository } from './sql/settings.js';
import { SqlUserRepository } from './sql/users.js';
import { SqlIdpRepository } from './sql/idps.js';
import { SqlUserIdentityRepository } from './sql/user-identities.js';
import type { SecondFactorRepository } from '../mfa/second-factor.js';
import { SqlSecondFactorRepository } from './sql/second-factors.js';
import type { OidcClientRepository, OidcConsentRepository, OidcModelRepository, OidcSigningKeyRepository } from '../oidc-provider/oidc-storage.js';
import { SqlOidcModelRepository } from './sql/oidc-models.js';
import { SqlOidcClientRepository } from './sql/oidc-clients.js';
import { SqlOidcConsentRepository, SqlOidcSigningKeyRepository } from './sql/oidc-keys.js';
import type { GroupRepository } from '../groups/group-repository.js';
import { SqlGroupRepository } from './sql/user-groups.js';

export interface Repositories {
  users: UserRepository;
  sessions: SessionRepository;
  refreshTokens: RefreshTokenRepository;
  settings: SettingRepository;
  auditLogs: AuditLogRepository;
  personalAccessTokens: PersonalAccessTokenRepository;
  idps: IdpRepository;
  identities: UserIdentityRepository;
  secondFactors: SecondFactorRepository;
  oidcModels: OidcModelRepository;
  oidcClients: OidcClientRepository;
  oidcKeys: OidcSigningKeyRepository;
  oidcConsents: OidcConsentRepository;
  groups: GroupRepository;
}

export interface Store extends Repositories {
  readonly kind: DatabaseKind;
  /** Runs `fn` in one transaction: every write inside commits together or not at all. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Calls `listener` with the SQL of every query that ran (tests count round trips); returns the unsubscribe. */
  onQuery(listener: (sql: string) => void): () => void;
}

export type StoreOptions =
  | { kind: 'sqlite'; file: string }
  | { kind: 'mysql'; url: string; poolSize: number; queryTimeoutMs?: number };

function repositories(db: Kysely<Database> | Transaction<Database>, kind: DatabaseKind): Repositories {
  return {
    users: new SqlUserRepository(db, kind),
    sessions: new SqlSessionRepository(db),
    refreshTokens: new SqlRefreshTokenRepository(db),
    settings: new SqlSettingRepository(db),
    auditLogs: new SqlAuditLogRepository(db),
    personalAccessTokens: new SqlPersonalAccessTokenRepository(db),
    idps: new SqlIdpRepository(db),
    identities: new SqlUserIdentityRepository(db),
    secondFactors: new SqlSecondFactorRepository(db),
    oidcModels: new SqlOidcModelRepository(db),
    oidcClients: new SqlOidcClientRepository(db),
    oidcKeys: new SqlOidcSigningKeyRepository(db),
    oidcConsents: new SqlOidcConsentRepository(db),
    groups: new SqlGroupRepository(db, kind),
  };
}

type QueryListeners = Set<(sql: string) => void>;

/** Kysely's log hook, forwarding each executed query to the listeners (none outside tests). */
const queryLog = (listeners: QueryListeners): KyselyConfig['log'] => (event) => {
  if (event.level === 'query') for (const listener of listeners) listener(event.query.sql);
};

async function createKysely(options: StoreOptions, queryTimeout: { ms: number }, listeners: QueryListeners): Promise<Kysely<Database>> {
  if (options.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    const database = new SQLite(options.file);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }), log: queryLog(listeners) });
  }
  const { createPool } = await import('mysql2');
  const pool = createPool({
    uri: options.url,
    connectionLimit: options.poolSize,
    // Bounded: when MySQL is slow or gone, callers fail fast (503) instead of queueing without end.
    queueLimit: options.poolSize * 20,
    connectTimeout: 2000,
    enableKeepAlive: true,
    timezone: 'Z',
    charset: 'utf8mb4_bin',
  });
  // Timeouts start once migrations are done (see openStore); connections opened for DDL keep none.
  return new Kysely<Database>({ dialect: new MysqlDialect({ pool: withQueryTimeout(pool, () => queryTimeout.ms) as never }), log: queryLog(listeners) });
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const queryTimeout = { ms: 0 };
  const listeners: QueryListeners = new Set();
  const db = await createKysely(options, queryTimeout, listeners);
  try {
    // Replicas starting together migrate the same database at once; Kysely's lock serialises them, but a
    // contended lock or a lost race on the lock row surfaces as an error: try again before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        await migrate(db, options.kind);
        break;
      } catch (err) {
        if (options.kind !== 'mysql' || attempt >= 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  if (options.kind === 'mysql') queryTimeout.ms = options.queryTimeoutMs ?? 5000;
  return {
    kind: options.kind,
    ...repositories(db, options.kind),
    transaction: (fn) => db.transaction().execute((trx) => fn(repositories(trx, options.kind))),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

async function migrate(db: Kysely<Database>, kind: DatabaseKind): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(kind), migrationTableName: 'gateway_migration', migrationLockTableName: 'gateway_migration_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed ? `${failed} ` : ''}failed: ${why}`, { cause: error });
  }
}
