// Which provider URLs the gateway will call. https always; plain http only to a loopback host, and only while
// the gateway itself is not served over https (a laptop or a test run) or runs in dev mode. Link-local and
// cloud-metadata addresses never (outbound-address.ts). Checked when a provider is saved and again on
// discovered endpoints; names are checked again, resolved, at connect time (outbound-fetch.ts).
import type { Config } from '../config.js';
import { classifyHost, refusalFor } from './outbound-address.js';

export type UrlConfig = Pick<Config, 'mode' | 'instanceOrigin'> & Partial<Pick<Config, 'outboundDenyPrivate'>>;

const MAX_URL = 2048;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Plain-http provider URLs are acceptable in this deployment (loopback only). */
export function allowsLoopbackHttp(config: Pick<Config, 'mode' | 'instanceOrigin'>): boolean {
  return config.mode === 'dev' || config.instanceOrigin.startsWith('http:');
}

/** What is wrong with `raw` as a URL the gateway calls or sends browsers to, or null when it is fine. */
export function findProviderUrlProblem(config: UrlConfig, raw: string): string | null {
  if (raw.length > MAX_URL) return `must be at most ${MAX_URL} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.hash !== '') return 'must not contain a fragment';
  const refusal = refusalFor(classifyHost(url.hostname), config.outboundDenyPrivate ?? false);
  if (refusal) return `must not point to ${refusal}`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname) && allowsLoopbackHttp(config)) return null;
  return 'must be an https URL (plain http only for a loopback host on a gateway that itself runs on http, or in dev mode)';
}

/** True when talking to this URL needs openid-client's allowInsecureRequests (it passed the rule above). */
export function isPlainHttp(raw: string): boolean {
  return raw.startsWith('http:');
}
