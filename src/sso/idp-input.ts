// The IdentityProvider JSON an admin sends (Memos' shape; camelCase or snake_case keys, the bare resource or
// the docs' `{identityProvider: …}` wrapper), parsed with zod. Semantic checks live in idp-validation.ts.
import { z } from 'zod';
import { parseInput } from '../http/validate.js';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './identity-provider.js';

const text = (max: number) => z.string().max(max);

export const fieldMappingInput = z.object({
  identifier: text(128).default(''),
  displayName: text(128).default(''),
  email: text(128).default(''),
  avatarUrl: text(128).default(''),
  username: text(128).default(''),
  groups: text(128).default(''),
});

export const EMPTY_FIELD_MAPPING = { identifier: '', displayName: '', email: '', avatarUrl: '', username: '', groups: '' };

export const oauth2ConfigInput = z.object({
  clientId: text(512).default(''),
  clientSecret: text(2048).default(''),
  authUrl: text(4096).default(''),
  tokenUrl: text(4096).default(''),
  userInfoUrl: text(4096).default(''),
  scopes: z.array(text(256)).max(32).default([]),
  fieldMapping: fieldMappingInput.default(EMPTY_FIELD_MAPPING),
  issuer: text(4096).default(''),
  redirectUris: z.array(text(4096)).max(16).default([]),
  tokenEndpointAuthMethod: z.enum(['', ...TOKEN_ENDPOINT_AUTH_METHODS]).default(''),
  requireSecondFactor: z.boolean().default(false),
  endSessionAtProvider: z.boolean().default(false),
});

export const identityProviderInput = z.object({
  name: text(300).optional(),
  type: z.enum(['OAUTH2']).default('OAUTH2'),
  title: text(256).default(''),
  identifierFilter: text(4096).default(''),
  groupFilter: text(4096).default(''),
  config: z.object({ oauth2Config: oauth2ConfigInput }),
});

export type IdentityProviderInput = z.infer<typeof identityProviderInput>;
export type OAuth2ConfigInput = z.infer<typeof oauth2ConfigInput>;

export const updateMaskInput = z.union([
  z.string().max(512),
  z.array(z.string().max(128)).max(16),
  z.object({ paths: z.array(z.string().max(128)).max(16) }),
]);

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `client_id` → `clientId`, recursively; protojson accepts both spellings. Prototype keys are dropped. */
export function camelizeKeys(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => camelizeKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (UNSAFE_KEYS.has(camel)) continue;
    out[camel] = camelizeKeys(v, depth + 1);
  }
  return out;
}

/** The resource itself, whether sent bare (Memos REST) or wrapped as in the docs' curl example. */
function unwrap(body: unknown): { resource: unknown; wrapperMask: unknown } {
  const b = camelizeKeys(body ?? {}) as Record<string, unknown>;
  if (b.identityProvider && typeof b.identityProvider === 'object') {
    return { resource: b.identityProvider, wrapperMask: b.updateMask };
  }
  return { resource: b, wrapperMask: undefined };
}

export function parseCreateBody(body: unknown): IdentityProviderInput {
  return parseInput(identityProviderInput, unwrap(body).resource);
}

export type MaskPath = 'title' | 'identifierFilter' | 'groupFilter' | 'config';

export interface UpdateRequest {
  paths: Set<MaskPath>;
  /** False when the mask was inferred from the body. */
  maskGiven: boolean;
  /** Raw (camelized) resource: only the masked parts are parsed. */
  resource: Record<string, unknown>;
}

function toPaths(mask: z.infer<typeof updateMaskInput>): string[] {
  if (typeof mask === 'string') return mask.split(',');
  return Array.isArray(mask) ? mask.flatMap((m) => m.split(',')) : mask.paths;
}

/**
 * Memos honours the mask paths `title`, `identifier_filter` and `config` (the gateway adds `group_filter`) (nested `config.…` paths count as
 * `config`) and ignores others. Without a mask, the top-level fields present in the body are the mask.
 */
export function parseUpdateRequest(body: unknown, queryMask: unknown): UpdateRequest {
  const { resource, wrapperMask } = unwrap(body);
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return { paths: new Set(), maskGiven: queryMask !== undefined, resource: {} };
  }
  const r = resource as Record<string, unknown>;
  const rawMask = queryMask ?? wrapperMask;
  const maskGiven = rawMask !== undefined && rawMask !== '';
  let names: string[];
  if (!maskGiven) {
    names = Object.keys(r);
  } else {
    names = toPaths(parseInput(updateMaskInput, rawMask, 'updateMask'));
  }
  const paths = new Set<MaskPath>();
  for (const name of names.map((n) => n.trim())) {
    if (name === 'title') paths.add('title');
    else if (name === 'identifier_filter' || name === 'identifierFilter') paths.add('identifierFilter');
    else if (name === 'group_filter' || name === 'groupFilter') paths.add('groupFilter');
    else if (name === 'config' || name.startsWith('config.')) paths.add('config');
  }
  return { paths, maskGiven, resource: r };
}
