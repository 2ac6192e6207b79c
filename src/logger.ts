// The pino logger. Credentials never reach a log line: headers, cookies, passwords and anything named like a
// token or secret are redacted wherever they appear in the first levels of a logged object.
import { pino, type Logger } from 'pino';

const SECRET_KEYS = [
  'authorization', 'cookie', 'set-cookie', 'password', 'newPassword', 'passwordHash', 'password_hash',
  'token', 'accessToken', 'refreshToken', 'clientSecret', 'client_secret', 'secret', 'secretKey', 'codeVerifier', 'code',
];

const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'sso-gateway' } }, destination);
}

export type { Logger };
