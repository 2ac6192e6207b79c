import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientInfoFrom } from '../../../src/sessions/client-info.js';

test('client info names device type, OS and browser from the user agent', () => {
  const desktop = clientInfoFrom(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    '::ffff:203.0.113.7',
  );
  assert.equal(desktop.deviceType, 'desktop');
  assert.equal(desktop.os, 'Windows 10');
  assert.match(desktop.browser, /^Chrome 120/);
  assert.equal(desktop.ipAddress, '203.0.113.7');
  const phone = clientInfoFrom(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    '198.51.100.2',
  );
  assert.equal(phone.deviceType, 'mobile');
  assert.match(phone.os, /^iOS 17/);
  assert.match(phone.browser, /Safari/);
});

test('an absent user agent gives empty fields, not a guess', () => {
  assert.deepEqual(clientInfoFrom(undefined, '127.0.0.1'), { userAgent: '', ipAddress: '127.0.0.1', deviceType: '', os: '', browser: '' });
});
