// A whole-database dump for "nothing was written" checks: every table, every row, in a stable order, read over
// a connection of its own (SQLite file or MariaDB URL of the test storage), so no repository method is trusted.
import Sqlite from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type { Storage } from './gateway.js';

export type DatabaseDump = Record<string, string[]>;

function sortedRows(rows: unknown[]): string[] {
  return rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).sort();
}

export async function dumpDatabase(storage: Storage): Promise<DatabaseDump> {
  const url = storage.env.GATEWAY_DATABASE_URL!;
  const dump: DatabaseDump = {};
  if (url.startsWith('sqlite:')) {
    const db = new Sqlite(url.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
      for (const { name } of tables) dump[name] = sortedRows(db.prepare(`SELECT * FROM "${name}"`).all());
    } finally {
      db.close();
    }
    return dump;
  }
  const conn = await mysql.createConnection(url);
  try {
    const [tables] = await conn.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name');
    for (const { name } of tables as Array<{ name: string }>) {
      const [rows] = await conn.query(`SELECT * FROM \`${name}\``);
      dump[name] = sortedRows(rows as unknown[]);
    }
  } finally {
    await conn.end();
  }
  return dump;
}
