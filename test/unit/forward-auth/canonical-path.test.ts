import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalizePath } from '../../../src/forward-auth/canonical-path.js';
import { parseOriginalUrl, parseTargetHeaders } from '../../../src/forward-auth/original-request.js';

describe('canonical path', () => {
  test('keeps plain paths and drops a trailing slash', () => {
    assert.equal(canonicalizePath('/'), '/');
    assert.equal(canonicalizePath('/api/admin'), '/api/admin');
    assert.equal(canonicalizePath('/api/admin/'), '/api/admin');
    assert.equal(canonicalizePath('/files/report.v2.pdf'), '/files/report.v2.pdf');
    assert.equal(canonicalizePath('/a-b_c~d/e!$&\'()*+,=:@'), '/a-b_c~d/e!$&\'()*+,=:@');
  });

  test('decodes percent escapes exactly once', () => {
    assert.equal(canonicalizePath('/api/%61dmin'), '/api/admin');
    assert.equal(canonicalizePath('/caf%C3%A9'), '/café');
    assert.equal(canonicalizePath('/a%20b'), '/a b');
  });

  test('collapses empty segments and resolves dot segments, also encoded ones', () => {
    assert.equal(canonicalizePath('/api//admin'), '/api/admin');
    assert.equal(canonicalizePath('/api/./admin'), '/api/admin');
    assert.equal(canonicalizePath('/public/../admin'), '/admin');
    assert.equal(canonicalizePath('/public/%2e%2e/admin'), '/admin');
    assert.equal(canonicalizePath('/public/.%2E/admin/'), '/admin');
    assert.equal(canonicalizePath('/x/../upload/'), '/upload');
    assert.equal(canonicalizePath('/a/.../b'), null, 'a segment ending in dots is refused (issue 9 item 9)');
  });

  test('refuses paths that parsers disagree about', () => {
    const refused = [
      '', 'admin', '/api/admin;x', '/api/admin%3Bx', '/api/admin%2F..', '/api%2fadmin', '/api%5cadmin',
      '/api\\admin', '/api/%00admin', '/api/admin%00', '/api/%252e%252e/admin', '/api/%25', '/api/%zz',
      '/api/%4', '/api/%', '/public/secret%23/endpoint', '/public#frag', '/a%3Fb', '/../admin', '/a/../../admin',
      '/%2e%2e/admin', '/a%0d%0aSet-Cookie:x', '/a%09b', '/a b', '/a\tb', '/caf\u00e9', '/%C3%28', '/%ED%A0%80',
      `/${'a'.repeat(5000)}`,
    ];
    for (const raw of refused) assert.equal(canonicalizePath(raw), null, JSON.stringify(raw));
  });
});

describe('original URL', () => {
  test('parses scheme, lower-cased host, port and canonical path, ignoring the query', () => {
    assert.deepEqual(parseOriginalUrl('https://App.Example.test/Admin/./x?next=/a;b%2f'), {
      url: 'https://App.Example.test/Admin/./x?next=/a;b%2f',
      hostname: 'app.example.test',
      port: 443,
      path: '/Admin/x',
    });
    assert.equal(parseOriginalUrl('http://app.example.test')?.port, 80);
    assert.equal(parseOriginalUrl('http://app.example.test')?.path, '/');
    assert.equal(parseOriginalUrl('https://app.example.test:8443/')?.port, 8443);
    assert.equal(parseOriginalUrl('https://[::1]:8443/x')?.hostname, '[::1]');
  });

  test('refuses anything that is not a plain absolute http(s) URL', () => {
    const refused = [
      '/relative', 'ftp://app.example.test/', 'https://user@app.example.test/', 'https://app.example.test:0/',
      'https://app.example.test:99999/', 'https://-app.example.test/', 'https://app example.test/',
      'https://app.example.test/a;b', 'https://app.example.test/a\\b', 'https://app.example.test/%2e%2e/..',
      'https://app.example.test/a#b', 'https:app.example.test/', 'https://', 'https://app.example.test/x, https://b/',
    ];
    for (const url of refused) assert.equal(parseOriginalUrl(url), null, url);
  });

  test('falls back to X-Forwarded-Proto/Host/Uri only when X-Original-URL is absent; both kinds must agree', () => {
    const fromForwarded = parseTargetHeaders({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/a/b' });
    assert.equal(fromForwarded.kind === 'ok' && fromForwarded.target.path, '/a/b');
    const original = parseTargetHeaders({ 'x-original-url': 'https://app.example.test/x', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/x' });
    assert.equal(original.kind === 'ok' && original.target.hostname, 'app.example.test');
    const disagreeing = parseTargetHeaders({ 'x-original-url': 'https://app.example.test/x', 'x-forwarded-host': 'other.test', 'x-forwarded-uri': '/y' });
    assert.equal(disagreeing.kind, 'conflict');
    const forwardOnly = parseTargetHeaders({ 'x-original-url': 'https://app.example.test/x' }, 'forward-auth');
    assert.equal(forwardOnly.kind, 'absent', 'the forward-auth source never reads X-Original-URL');
    assert.equal(parseTargetHeaders({}).kind, 'absent');
    assert.equal(parseTargetHeaders({ 'x-original-url': 'nonsense' }).kind, 'invalid');
    assert.equal(parseTargetHeaders({ 'x-forwarded-host': 'a.test, b.test', 'x-forwarded-uri': '/' }).kind, 'invalid');
    assert.equal(parseTargetHeaders({ 'x-forwarded-host': 'a.test', 'x-forwarded-uri': 'x' }).kind, 'invalid');
  });
});
