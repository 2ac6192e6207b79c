// Parsing what admins send for identity providers: both key spellings, both body shapes, update masks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../../src/errors.js';
import { camelizeKeys, parseCreateBody, parseUpdateRequest } from '../../../src/sso/idp-input.js';

test('snake_case keys become camelCase at every level, values untouched', () => {
  assert.deepEqual(camelizeKeys({ identifier_filter: 'a_b', config: { oauth2_config: { field_mapping: { avatar_url: 'avatar_url' } } } }), {
    identifierFilter: 'a_b',
    config: { oauth2Config: { fieldMapping: { avatarUrl: 'avatar_url' } } },
  });
});

test('prototype-polluting keys are dropped', () => {
  const parsed = camelizeKeys(JSON.parse('{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"x":1}}}}')) as Record<string, unknown>;
  assert.deepEqual(parsed, { a: {} });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("the docs' wrapped body and the bare resource parse alike, with defaults", () => {
  const resource = { title: 'T', config: { oauth2Config: { clientId: 'c' } } };
  const bare = parseCreateBody(resource);
  assert.deepEqual(parseCreateBody({ identityProvider: resource }), bare);
  assert.equal(bare.type, 'OAUTH2');
  assert.deepEqual(bare.config.oauth2Config.scopes, []);
  assert.equal(bare.config.oauth2Config.fieldMapping.identifier, '');
});

test('a missing config or an unknown type is a 400', () => {
  assert.throws(() => parseCreateBody({ title: 'T' }), (e: AppError) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => parseCreateBody({ type: 'SAML', config: { oauth2Config: {} } }), (e: AppError) => e.code === 'INVALID_ARGUMENT');
});

test('update masks: query string, list, FieldMask object; nested config paths count as config; unknown paths are ignored', () => {
  assert.deepEqual([...parseUpdateRequest({}, 'title,identifier_filter').paths], ['title', 'identifierFilter']);
  assert.deepEqual([...parseUpdateRequest({ identityProvider: {}, updateMask: ['config.oauth2_config.client_id'] }, undefined).paths], ['config']);
  assert.deepEqual([...parseUpdateRequest({ identityProvider: {}, updateMask: { paths: ['type', 'name'] } }, undefined).paths], []);
});

test('without a mask the top-level fields sent are the mask', () => {
  const req = parseUpdateRequest({ title: 'x', config: {} }, undefined);
  assert.equal(req.maskGiven, false);
  assert.deepEqual([...req.paths].sort(), ['config', 'title']);
});
