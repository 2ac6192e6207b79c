// Shared set-up for the /auth/verify tests: an access-rules file, the gateway environment forward auth needs,
// and small request helpers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestGateway } from './gateway.js';

export const INSTANCE_URL = 'https://auth.example.test';
export const SIGN_IN_PAGE = `${INSTANCE_URL}/auth`;
export const APP = 'https://app.example.test';

/** /admin on the app: administrators only; everything else: any signed-in user. */
export const TEST_RULES = {
  rules: [{ host: 'app.example.test', path: '/admin', allow: { roles: ['ADMIN'] } }],
};

export interface RulesFile {
  path: string;
  remove(): void;
}

export function writeRulesFile(rules: unknown = TEST_RULES): RulesFile {
  const dir = mkdtempSync(join(tmpdir(), 'gw-rules-'));
  const path = join(dir, 'access-rules.json');
  writeFileSync(path, JSON.stringify(rules));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function forwardAuthEnv(rules: RulesFile | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_INSTANCE_URL: INSTANCE_URL,
    GATEWAY_ALLOWED_REDIRECT_HOSTS: '.example.test',
    ...(rules ? { GATEWAY_ACCESS_RULES_FILE: rules.path } : {}),
    ...extra,
  };
}

/** One /auth/verify call as nginx makes it (X-Original-URL of `url` unless null). */
export function verify(gw: TestGateway, headers: Record<string, string> = {}, url: string | null = `${APP}/`) {
  return gw.http.get('/auth/verify').set({ ...(url === null ? {} : { 'X-Original-URL': url }), ...headers });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const ssoCookie = (value: string) => ({ Cookie: `sso_session=${value}` });
export const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
