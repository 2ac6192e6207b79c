// Self-test of the test infrastructure: throwaway MariaDB/Redis servers stop, crash and restart on the same port
// (what fault-injection tests rely on), and the shared servers from `npm test` hand out isolated databases/keys.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { createTestDatabase } from './mysql.js';
import { testRedisUrl, uniqueKeyPrefix } from './redis.js';
import { redisAnswers, startMariaDb, startRedis, type MariaDbHandle, type RedisHandle } from './services.js';

async function query(url: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const connection = await mysql.createConnection(url);
  try {
    const [rows] = await connection.query(sql, params);
    return rows as unknown[];
  } finally {
    await connection.end();
  }
}

function urlFor(server: MariaDbHandle, database: string): string {
  return `${server.adminUrl}${database}`;
}

describe('throwaway Redis', () => {
  let redis: RedisHandle;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.destroy());

  test('stops, refuses connections, restarts on the same port', async () => {
    const port = redis.port;
    assert.equal(await redisAnswers(port), true);
    await redis.stop();
    assert.equal(redis.running, false);
    assert.equal(await redisAnswers(port), false);
    await redis.start();
    assert.equal(redis.port, port);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      assert.equal(await client.set('k', 'v'), 'OK');
      assert.equal(await client.get('k'), 'v');
    } finally {
      client.disconnect();
    }
  });

  test('pause() makes it hang, resume() brings it back', async () => {
    redis.pause();
    assert.equal(await redisAnswers(redis.port, 300), false);
    redis.resume();
    assert.equal(await redisAnswers(redis.port), true);
  });

  test('restarts after a crash (kill)', async () => {
    await redis.kill();
    assert.equal(await redisAnswers(redis.port), false);
    await redis.start();
    assert.equal(await redisAnswers(redis.port), true);
  });
});

describe('throwaway MariaDB', () => {
  let db: MariaDbHandle;
  before(async () => {
    db = await startMariaDb();
  });
  after(async () => {
    await db.destroy();
    assert.equal(existsSync(db.dir), false);
  });

  test('stops, refuses connections, restarts on the same port with its data', async () => {
    const port = db.port;
    await query(db.adminUrl, 'CREATE DATABASE keep');
    await query(urlFor(db, 'keep'), 'CREATE TABLE t (v VARCHAR(10)) ENGINE=InnoDB');
    await query(urlFor(db, 'keep'), 'INSERT INTO t VALUES (?)', ['before']);
    await db.stop();
    assert.equal(db.running, false);
    await assert.rejects(query(db.adminUrl, 'SELECT 1'), { code: 'ECONNREFUSED' });
    await db.start();
    assert.equal(db.port, port);
    assert.deepEqual(await query(urlFor(db, 'keep'), 'SELECT v FROM t'), [{ v: 'before' }]);
  });

  test('recovers committed rows after a crash (kill)', async () => {
    await query(urlFor(db, 'keep'), 'INSERT INTO t VALUES (?)', ['crash']);
    await db.kill();
    await db.start();
    const rows = await query(urlFor(db, 'keep'), 'SELECT v FROM t ORDER BY v');
    assert.deepEqual(rows, [{ v: 'before' }, { v: 'crash' }]);
  });
});

describe('shared servers from npm test', () => {
  test('createTestDatabase gives two different, isolated, utf8mb4 databases', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      assert.notEqual(a.name, b.name);
      await query(a.url, 'CREATE TABLE t (v VARCHAR(10))');
      await query(a.url, 'INSERT INTO t VALUES (?)', ['😀']);
      assert.deepEqual(await query(a.url, 'SELECT v FROM t'), [{ v: '😀' }]);
      await assert.rejects(query(b.url, 'SELECT v FROM t'), { code: 'ER_NO_SUCH_TABLE' });
      const [charset] = (await query(b.url, 'SELECT @@character_set_database AS c')) as Array<{ c: string }>;
      assert.equal(charset?.c, 'utf8mb4');
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
    await assert.rejects(query(a.url, 'SELECT 1'), { code: 'ER_BAD_DB_ERROR' });
    await a.drop(); // twice is fine
  });

  test('createTestDatabase explains itself outside npm test', async (t) => {
    const saved = process.env.TEST_MYSQL_ADMIN_URL;
    delete process.env.TEST_MYSQL_ADMIN_URL;
    t.after(() => {
      process.env.TEST_MYSQL_ADMIN_URL = saved;
    });
    await assert.rejects(createTestDatabase(), /npm test/);
  });

  test('Redis answers and key prefixes are unique', async () => {
    const prefix = uniqueKeyPrefix();
    assert.match(prefix, /^t:[0-9a-f]{12}:$/);
    assert.notEqual(uniqueKeyPrefix(), prefix);
    const client = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      await client.set(`${prefix}k`, 'v', 'EX', 60);
      assert.equal(await client.get(`${prefix}k`), 'v');
      await client.del(`${prefix}k`);
    } finally {
      client.disconnect();
    }
  });
});
