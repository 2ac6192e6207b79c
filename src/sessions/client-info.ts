// Device facts for the session list, from the User-Agent (ua-parser-js 1.x, MIT) and the client IP that
// Express derived through the trusted-proxy setting (never a raw X-Forwarded-For).
import UAParser from 'ua-parser-js';
import type { ClientInfo } from './session.js';

const MAX_UA = 512;

export function clientInfoFrom(userAgent: string | undefined, ip: string | undefined): ClientInfo {
  const ua = (userAgent ?? '').slice(0, MAX_UA);
  const ipAddress = normaliseIp(ip ?? '');
  if (ua.length === 0) return { userAgent: '', ipAddress, deviceType: '', os: '', browser: '' };
  const parsed = new UAParser(ua).getResult();
  const type = parsed.device.type;
  const deviceType = type === 'mobile' || type === 'tablet' ? type : 'desktop';
  const join = (name?: string, version?: string) => [name, version].filter(Boolean).join(' ');
  return {
    userAgent: ua,
    ipAddress,
    deviceType,
    os: join(parsed.os.name, parsed.os.version),
    browser: join(parsed.browser.name, parsed.browser.version),
  };
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
