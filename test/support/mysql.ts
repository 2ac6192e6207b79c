// Fresh, uniquely named MariaDB databases for tests, on the server that `npm test` (test/run.ts) starts and
// announces in TEST_MYSQL_ADMIN_URL. Each test file/suite makes its own and drops it when done.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export interface TestDatabase {
  /** mysql://user:pass@127.0.0.1:PORT/<name> */
  url: string;
  name: string;
  /** Drops the database; safe to call twice. */
  drop(): Promise<void>;
}

/** The admin URL exported by test/run.ts (a user with ALL PRIVILEGES WITH GRANT OPTION, no database). */
export function testMysqlAdminUrl(): string {
  const url = process.env.TEST_MYSQL_ADMIN_URL;
  if (!url) {
    throw new Error(
      'TEST_MYSQL_ADMIN_URL is not set: run tests through `npm test` (test/run.ts starts MariaDB and Redis), ' +
        'e.g. `npm test -- test/path/to/file.test.ts`',
    );
  }
  return url;
}

async function asAdmin<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(testMysqlAdminUrl());
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Creates an empty utf8mb4 database with a unique name (`t_<pid>_<random>`). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  await asAdmin((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  const url = new URL(testMysqlAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => asAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS \`${name}\``))),
  };
}
