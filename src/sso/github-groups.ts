// GitHub has no groups claim: a GitHub-shaped provider (plain OAuth2, user-info URL ending in `/user`) with the
// scope `read:org` and a fieldMapping.groups lists the person's organisations (`GET /user/orgs`: `org`) and teams
// (`GET /user/teams`: `org/team`), following `Link: rel="next"` pages on the same origin, and puts them in the
// claim fieldMapping.groups names. A list that cannot be read fails the sign-in (groups decide access: no guess).
import type { Claims } from './field-mapping.js';
import type { IdentityProvider } from './identity-provider.js';
import { boundedFetch, type OutboundPolicy } from './outbound-fetch.js';
import { ProviderVerificationError } from './provider-errors.js';

const ORG_SCOPE = 'read:org';
const MAX_PAGES = 10;
const NEXT_LINK = /<([^>]+)>\s*;\s*rel="?next"?/;

export function fetchesGithubGroups(idp: IdentityProvider): boolean {
  const c = idp.config;
  if (c.issuer !== '' || !c.scopes.includes(ORG_SCOPE) || !c.fieldMapping.groups) return false;
  try {
    return new URL(c.userInfoUrl).pathname.endsWith('/user');
  } catch {
    return false;
  }
}

async function fetchPages(first: URL, accessToken: string, policy: OutboundPolicy): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: URL | null = first;
  for (let page = 0; next !== null && page < MAX_PAGES; page++) {
    const res = await boundedFetch(next.href, { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } }, policy);
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`${first.pathname} answered ${res.status}`);
    }
    const body: unknown = JSON.parse(await res.text());
    if (!Array.isArray(body)) throw new ProviderVerificationError(`${first.pathname} did not answer a list`);
    items.push(...body);
    const link = NEXT_LINK.exec(res.headers.get('link') ?? '')?.[1];
    const candidate: URL | null = link === undefined ? null : new URL(link, next);
    next = candidate !== null && candidate.origin === first.origin ? candidate : null;
  }
  return items;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** `org` for each organisation and `org/team` for each team (team slugs, as GitHub's own teams are named). */
export function githubGroupNames(orgs: readonly unknown[], teams: readonly unknown[]): string[] {
  const names: string[] = [];
  for (const org of orgs) {
    const login = text((org as { login?: unknown } | null)?.login);
    if (login !== null) names.push(login);
  }
  for (const team of teams) {
    const t = team as { slug?: unknown; organization?: { login?: unknown } } | null;
    const slug = text(t?.slug);
    const org = text(t?.organization?.login);
    if (slug !== null && org !== null) names.push(`${org}/${slug}`);
  }
  return names;
}

/** `claims` with the organisations and teams under fieldMapping.groups (GitHub-shaped providers with read:org). */
export async function withGithubGroups(idp: IdentityProvider, claims: Claims, accessToken: string, policy: OutboundPolicy): Promise<Claims> {
  if (!fetchesGithubGroups(idp)) return claims;
  const base = new URL(idp.config.userInfoUrl);
  const at = (suffix: string) => {
    const url = new URL(base.href);
    url.pathname = `${url.pathname}/${suffix}`;
    url.search = '?per_page=100';
    return url;
  };
  const [orgs, teams] = await Promise.all([fetchPages(at('orgs'), accessToken, policy), fetchPages(at('teams'), accessToken, policy)]);
  return { ...claims, [idp.config.fieldMapping.groups!]: githubGroupNames(orgs, teams) };
}
