import assert from 'node:assert/strict';
import { test } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { errorMiddleware } from '../../../src/errors.js';
import { jsonBody } from '../../../src/http/json-body.js';
import { createLogger } from '../../../src/logger.js';

function app(limit = '4kb') {
  const a = express();
  a.use(jsonBody(limit));
  a.post('/echo', (req, res) => {
    res.json({ body: req.body, polluted: ({} as Record<string, unknown>).role ?? null });
  });
  a.use(errorMiddleware(createLogger('silent')));
  return supertest(a);
}

/** Sends the bytes exactly as given (superagent would JSON-encode a Buffer). */
const post = (raw: string | Buffer, limit?: string) =>
  app(limit).post('/echo').set('Content-Type', 'application/json').serialize((b: unknown) => b as string).send(raw as string);

test('a plain JSON body passes through unchanged', async () => {
  const res = await post('{"username":"demo","nested":{"a":[1,2,{"b":"ü"}]}}');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.body, { username: 'demo', nested: { a: [1, 2, { b: 'ü' }] } });
});

test('invalid UTF-8 bytes are 400, not silently replaced', async () => {
  for (const bytes of [[0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
    const raw = Buffer.concat([Buffer.from('{"username":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const res = await post(raw);
    assert.equal(res.status, 400, bytes.join(','));
    assert.equal(res.body.code, 3);
  }
});

test('NUL and unpaired surrogates in any string (values or keys) are 400', async () => {
  for (const raw of ['{"username":"admin\\u0000x"}', '{"p":"\\ud800"}', '{"p":"\\udc00x"}', '{"a\\u0000":1}', '{"a":["ok","\\ud83d"]}']) {
    assert.equal((await post(raw)).status, 400, raw);
  }
  assert.equal((await post('{"emoji":"\\ud83d\\ude00"}')).status, 200, 'a proper surrogate pair is fine');
});

test('nesting deeper than the limit is 400, and very deep input never crashes the process', async () => {
  assert.equal((await post(`${'['.repeat(17)}${']'.repeat(17)}`)).status, 400);
  assert.equal((await post(`${'['.repeat(16)}${']'.repeat(16)}`)).status, 200);
  const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
  assert.equal((await post(deep, '64kb')).status, 400);
});

test('prototype-pollution keys are dropped and pollute nothing', async () => {
  const res = await post('{"__proto__":{"role":"ADMIN"},"constructor":{"prototype":{"isAdmin":true}},"ok":1}');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.body, { ok: 1 });
  assert.equal(res.body.polluted, null);
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
});

test('a body over the cap is 413 before it is parsed', async () => {
  const res = await post(JSON.stringify({ pad: 'x'.repeat(5000) }));
  assert.equal(res.status, 413);
});
