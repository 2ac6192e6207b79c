// The sign-in page's HTML: everything interpolated is escaped, and the CSP allows no script.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, pageCsp } from '../../../src/web/html.js';
import { findPageErrorMessage } from '../../../src/web/messages.js';
import { providerStartUrl, renderSignInPage } from '../../../src/web/signin-page.js';

test('escapeHtml covers the five HTML-significant characters', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('the html tag escapes values but not nested templates', () => {
  const inner = html`<i>${'<b>'}</i>`;
  assert.equal(html`<p>${inner}${'"'}</p>`.value, '<p><i>&lt;b&gt;</i>&quot;</p>');
});

test('provider uids and return URLs are URL-encoded into the start link', () => {
  assert.equal(providerStartUrl('corp', '/'), '/auth/sso/corp');
  assert.equal(providerStartUrl('corp', '/a?b=c&d'), '/auth/sso/corp?redirect=%2Fa%3Fb%3Dc%26d');
});

test('the page renders buttons, the form and the error without any markup from data', () => {
  const page = renderSignInPage({
    heading: 'Sign in to <Acme>',
    providers: [{ uid: 'x', title: '"><script>alert(1)</script>' }],
    passwordEnabled: true,
    returnTo: '/"><script>',
    errorMessage: findPageErrorMessage('invalid_credentials'),
  }).value;
  assert.doesNotMatch(page, /<script>/);
  assert.match(page, /Sign in to &lt;Acme&gt;/);
  assert.match(page, /value="\/&quot;&gt;&lt;script&gt;"/);
  assert.match(page, /The username or password is not correct\./);
});

test('unknown error codes map to no message, including inherited names', () => {
  assert.equal(findPageErrorMessage('constructor'), null);
  assert.equal(findPageErrorMessage(['invalid_credentials']), null);
});

test('the CSP forbids scripts and framing, and upgrades only on an https instance', () => {
  const http = pageCsp({ allowedRedirectHosts: ['gw.example'], instanceOrigin: 'http://gw.example' });
  assert.match(http, /default-src 'none'/);
  assert.doesNotMatch(http, /script-src|unsafe-inline|upgrade-insecure-requests/);
  assert.match(http, /frame-ancestors 'none'/);
  assert.match(pageCsp({ allowedRedirectHosts: [], instanceOrigin: 'https://gw.example' }), /upgrade-insecure-requests/);
  const withScripts = pageCsp({ allowedRedirectHosts: [], instanceOrigin: 'http://gw.example' }, true);
  assert.match(withScripts, /script-src 'self'; connect-src 'self'/, 'a passkey page loads only the gateway\'s own files');
  assert.doesNotMatch(withScripts, /unsafe-inline|unsafe-eval|\*/);
});
