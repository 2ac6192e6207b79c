// The OpenID Provider's durable state: oidc-provider's long-lived models (Grant, RefreshToken) with the gateway
// session each grant came from, API-managed relying parties (secret only as a hash), its signing keys, and the
// consent a user gave to a client for a set of scopes.
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function oidcProviderMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0007-oidc-provider',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oidc_model')
        .addColumn('model', 'varchar(32)', (c) => c.notNull())
        .addColumn('id', 'varchar(128)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'varchar(128)')
        .addColumn('gateway_session_id', 'varchar(64)')
        .addColumn('expires_ts', 'bigint')
        .addColumn('consumed_ts', 'bigint')
        .addPrimaryKeyConstraint('pk_oidc_model', ['model', 'id'])
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_oidc_model_grant').on('oidc_model').column('grant_id').execute();
      await db.schema.createIndex('idx_oidc_model_session').on('oidc_model').column('gateway_session_id').execute();
      await db.schema
        .createTable('oidc_client')
        .addColumn('client_id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(128)')
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('updated_ts', 'bigint', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createTable('oidc_signing_key')
        .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('alg', 'varchar(16)', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('retired_ts', 'bigint')
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createTable('oidc_consent')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('scope', 'varchar(512)', (c) => c.notNull())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_oidc_consent', ['user_id', 'client_id'])
        .modifyEnd(tableOptions)
        .execute();
    },
  };
}
