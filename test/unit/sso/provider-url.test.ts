// Which provider and redirect URLs the gateway accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findProviderUrlProblem } from '../../../src/sso/provider-url.js';
import { findRedirectUriProblem } from '../../../src/sso/redirect-uri.js';

const prod = { mode: 'prod' as const, instanceOrigin: 'https://sso.example.com' };
const local = { mode: 'prod' as const, instanceOrigin: 'http://localhost:8081' };
const dev = { mode: 'dev' as const, instanceOrigin: 'https://sso.example.com' };

test('https URLs are accepted everywhere', () => {
  assert.equal(findProviderUrlProblem(prod, 'https://github.com/login/oauth/access_token'), null);
});

test('plain http only to loopback, and only on an http gateway or in dev mode', () => {
  assert.match(findProviderUrlProblem(prod, 'http://127.0.0.1:9000/token') ?? '', /https/);
  assert.equal(findProviderUrlProblem(local, 'http://127.0.0.1:9000/token'), null);
  assert.equal(findProviderUrlProblem(local, 'http://localhost:9000/token'), null);
  assert.equal(findProviderUrlProblem(dev, 'http://[::1]:9000/token'), null);
  assert.match(findProviderUrlProblem(local, 'http://idp.example/token') ?? '', /https/);
});

test('credentials, fragments, link-local addresses and other schemes are refused', () => {
  assert.match(findProviderUrlProblem(prod, 'https://user:pw@idp.example/token') ?? '', /credentials/);
  assert.match(findProviderUrlProblem(prod, 'https://idp.example/token#x') ?? '', /fragment/);
  assert.match(findProviderUrlProblem(prod, 'https://169.254.169.254/latest') ?? '', /link-local/);
  assert.match(findProviderUrlProblem(prod, 'ftp://idp.example/token') ?? '', /https/);
  assert.match(findProviderUrlProblem(prod, 'not a url') ?? '', /absolute/);
});

test('registrable redirect URIs: https, or http on loopback for native apps; no query or fragment', () => {
  assert.equal(findRedirectUriProblem('https://app.example/cb'), null);
  assert.equal(findRedirectUriProblem('http://127.0.0.1:53682/cb'), null);
  assert.match(findRedirectUriProblem('http://app.example/cb') ?? '', /https/);
  assert.match(findRedirectUriProblem('https://app.example/cb?x=1') ?? '', /query/);
  assert.match(findRedirectUriProblem('/relative') ?? '', /absolute/);
});
