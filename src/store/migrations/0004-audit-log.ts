// The audit trail of security events.
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind, GatewayMigration } from './index.js';

export function auditLogMigration(kind: DatabaseKind): GatewayMigration {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    name: '0004-audit-log',
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('created_ts', 'bigint', (c) => c.notNull())
        .addColumn('event', 'varchar(64)', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer')
        .addColumn('subject_user_id', 'integer')
        .addColumn('subject', 'varchar(256)', (c) => c.notNull())
        .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_agent', 'varchar(512)', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema.createIndex('idx_audit_event').on('audit_log').columns(['event', 'id']).execute();
    },
  };
}
