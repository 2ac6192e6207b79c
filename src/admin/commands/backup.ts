// backup, restore: the durable store (users, sessions, refresh tokens, PATs, providers, settings, keys, audit) to
// a file and back (src/store/backup.ts). Backup runs while gateways serve; restore wants them stopped, and refuses
// a backup from a newer schema. The ephemeral state (Redis) is not part of a backup: it rebuilds itself.
import { resolve } from 'node:path';
import type { Config } from '../../config.js';
import { backupDatabase, inspectBackup, restoreDatabase, type BackupTarget } from '../../store/backup.js';
import { auditCli } from '../audit.js';
import { defineCommand, requireOption } from '../command.js';
import { EXIT, usageError } from '../exit-codes.js';

function targetOf(config: Config): BackupTarget {
  return config.database.kind === 'sqlite' ? { kind: 'sqlite', file: config.database.file } : { kind: 'mysql', url: config.database.url };
}

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'Write a consistent copy of the database to a file (0600) while the gateways keep serving.',
  help: [
    'SQLite: the online backup API (a database file). MySQL/MariaDB: mariadb-dump or mysqldump --single-transaction',
    '(the client must be installed; the password goes in a temporary 0600 options file, never on a command line).',
    'The backup records its schema version (the migrations applied).',
  ].join('\n'),
  options: { out: { type: 'string', value: 'FILE', required: true, description: 'where to write the backup (replaced if it exists)' } },
  async run(ctx) {
    const out = resolve(requireOption(ctx, 'out'));
    const deps = await ctx.deps();
    const info = await backupDatabase(targetOf(ctx.config), out);
    await auditCli(deps, 'database.backed_up', { subject: info.schemaVersion, detail: { bytes: info.bytes } });
    ctx.io.stdout(`backup written to ${out} (${info.kind}, schema ${info.schemaVersion}, ${info.bytes} bytes)\n`);
    return EXIT.OK;
  },
});

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'Replace the database with a backup (stop the gateways first); refuses a backup from a newer schema.',
  help: 'Everything written since the backup is lost: users created since are gone, sessions revoked since live again.\nAn older backup is migrated forward when the gateway next starts.',
  options: {
    in: { type: 'string', value: 'FILE', required: true, description: 'the backup file' },
    yes: { type: 'boolean', description: 'confirm: replace every row of the configured database' },
  },
  async run(ctx) {
    const file = resolve(requireOption(ctx, 'in'));
    const info = await inspectBackup(file);
    if (ctx.options.yes !== true) {
      throw usageError(`restore replaces the whole database with ${file} (schema ${info.schemaVersion}); stop the gateways, then add --yes`);
    }
    await restoreDatabase(targetOf(ctx.config), file);
    // Opening the store now migrates an older backup forward and records the restore in the restored audit log.
    const deps = await ctx.deps();
    await auditCli(deps, 'database.restored', { subject: info.schemaVersion });
    ctx.io.stdout(`restored ${file} (${info.kind}, schema ${info.schemaVersion}); start the gateways\n`);
    return EXIT.OK;
  },
});
