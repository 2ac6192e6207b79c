// The pages' scripts, served by the gateway itself (CSP script-src 'self', nothing inline): the
// @simplewebauthn/browser bundle (global SimpleWebAuthnBrowser) and passkeys.js, which wires the pages' passkey
// buttons (data-passkey="signin" | "second-factor" | "register", data-remove) to the ceremony endpoints, and offers
// the sign-in page's passkeys in the username field's autofill (conditional mediation) where the browser can.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RequestHandler } from 'express';

let webauthnBundle: string | null = null;

/** node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js, read once. */
function readWebauthnBundle(): string {
  webauthnBundle ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
  return webauthnBundle;
}

const PASSKEYS_JS = `(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  function status(message) {
    var el = document.getElementById('passkey-status');
    if (el) { el.textContent = message; el.hidden = false; }
  }
  async function post(url, body) {
    var res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body || {}) });
    var json = await res.json().catch(function () { return {}; });
    if (!res.ok) throw new Error(json.message || 'the request failed');
    return json;
  }
  function showRecoveryCodes(codes) {
    var list = document.getElementById('recovery-codes');
    if (!list) return;
    codes.forEach(function (code) { var li = document.createElement('li'); li.textContent = code; list.appendChild(li); });
    document.getElementById('recovery-codes-box').hidden = false;
  }
  async function ceremony(button) {
    var kind = button.getAttribute('data-passkey');
    var endpoint = button.getAttribute('data-endpoint');
    var start = await post(endpoint + '/options', {});
    if (kind === 'register') {
      var created = await W.startRegistration({ optionsJSON: start.options });
      var nameField = document.getElementById('passkey-name');
      var done = await post(endpoint, { name: (nameField && nameField.value) || 'Passkey', response: created });
      if (done.recoveryCodes && done.recoveryCodes.length) { showRecoveryCodes(done.recoveryCodes); status('Passkey added. Save your recovery codes.'); return; }
      window.location.reload();
      return;
    }
    var asserted = await W.startAuthentication({ optionsJSON: start.options });
    var finished = await post(endpoint, { response: asserted, redirect: button.getAttribute('data-redirect') || undefined });
    window.location.assign(finished.redirect);
  }
  // Autofill (conditional UI): on the sign-in page, a passkey offered in the username field's suggestions signs
  // in like the button. Clicking the button (or another ceremony) aborts this request; that is not an error.
  async function autofill() {
    var button = document.querySelector('[data-passkey="signin"]');
    if (!W || !button || !document.querySelector('input[autocomplete~="webauthn"]')) return;
    if (!(await W.browserSupportsWebAuthnAutofill())) return;
    var endpoint = button.getAttribute('data-endpoint');
    var start = await post(endpoint + '/options', {});
    var asserted = await W.startAuthentication({ optionsJSON: start.options, useBrowserAutofill: true });
    var finished = await post(endpoint, { response: asserted, redirect: button.getAttribute('data-redirect') || undefined });
    window.location.assign(finished.redirect);
  }
  autofill().catch(function (err) {
    if (err && (err.name === 'AbortError' || err.code === 'ERROR_CEREMONY_ABORTED')) return;
    status(err && err.name === 'NotAllowedError' ? 'The passkey prompt was closed or timed out.' : 'That did not work: ' + (err && err.message ? err.message : 'unknown error'));
  });
  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest('[data-passkey], [data-remove]');
    if (!button) return;
    event.preventDefault();
    if (!W && button.hasAttribute('data-passkey')) { status('Passkeys are not available in this browser.'); return; }
    button.disabled = true;
    var run = button.hasAttribute('data-remove')
      ? post(button.getAttribute('data-remove'), {}).then(function () { window.location.reload(); })
      : ceremony(button);
    run.catch(function (err) {
      button.disabled = false;
      status(err && err.name === 'NotAllowedError' ? 'The passkey prompt was closed or timed out.' : 'That did not work: ' + (err && err.message ? err.message : 'unknown error'));
    });
  });
})();
`;

function script(body: () => string): RequestHandler {
  return (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/javascript').send(body());
  };
}

export const webauthnScript = script(readWebauthnBundle);
export const passkeysScript = script(() => PASSKEYS_JS);
