// Issue 9 item 15: the IP key puts every spelling of one client in one bucket and different clients in different
// ones; an upper-case `::FFFF:a.b.c.d` is that IPv4 address (not one shared bucket with every other), and a port
// never opens a bucket of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipKey } from '../../../src/auth/regulation.js';

test('ipKey: an IPv4-mapped address in any case and spelling is its IPv4 address, and different ones stay apart', () => {
  for (const spelling of ['203.0.113.9', '::ffff:203.0.113.9', '::FFFF:203.0.113.9', '::FfFf:203.0.113.9', '0:0:0:0:0:FFFF:203.0.113.9', '::ffff:cb00:7109', '[::FFFF:203.0.113.9]']) {
    assert.equal(ipKey(spelling), '203.0.113.9', spelling);
  }
  assert.notEqual(ipKey('::FFFF:198.51.100.1'), ipKey('::FFFF:203.0.113.9'), 'two mapped addresses are two clients');
  assert.notEqual(ipKey('::FFFF:198.51.100.1'), ipKey('::1'));
});

test('ipKey: a port is dropped, so each ip:port spelling is the same bucket as the address', () => {
  for (let port = 1; port < 65536; port += 4099) {
    assert.equal(ipKey(`203.0.113.9:${port}`), '203.0.113.9');
    assert.equal(ipKey(`[2001:db8:1:2::5]:${port}`), '2001:db8:1:2::/64');
    assert.equal(ipKey(`[::ffff:203.0.113.9]:${port}`), '203.0.113.9');
  }
});

test('ipKey: IPv6 is grouped by /64 whatever the case, zeros or zone id', () => {
  for (const spelling of ['2001:db8:1:2::5', '2001:DB8:1:2::5', '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::1')]) {
    assert.equal(ipKey(spelling), '2001:db8:1:2::/64', spelling);
  }
  assert.equal(ipKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.equal(ipKey('::1'), '0:0:0:0::/64');
});

test('ipKey: something that is not an address shares one bucket, however it is spelt', () => {
  const keys = new Set(['not-an-ip', '1.2.3.4.5', '999.1.1.1', 'evil:1:2', '[zz]:80', '::g'].map(ipKey));
  assert.equal(keys.size, 1);
  assert.equal(ipKey(undefined), 'unknown');
});
