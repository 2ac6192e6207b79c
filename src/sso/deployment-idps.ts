// Identity providers managed by the deployment (GATEWAY_IDP_FILE, JSON; config/idps.example.json): read once at
// start, checked with the admin API's rules, every problem reported together (never quoting a secret), frozen.
// They shadow database rows with the same uid and cannot be changed through the API (Memos contract §1.4).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { deepFreeze, readJsonFile } from '../config-file.js';
import type { Config } from '../config.js';
import type { FieldViolation } from '../errors.js';
import type { IdentityProvider } from './identity-provider.js';
import { isValidIdpUid } from './idp-uid.js';
import { camelizeKeys, EMPTY_FIELD_MAPPING, fieldMappingInput, identityProviderInput, oauth2ConfigInput } from './idp-input.js';
import { checkGroupFilter, checkIdentifierFilter, checkOAuth2Config, checkTitle } from './idp-validation.js';

export interface DeploymentIdps {
  /** The file they came from; null when GATEWAY_IDP_FILE is not set. */
  readonly file: string | null;
  /** In file order; `id` is 0 (they have no database row): they are named by uid only. */
  readonly providers: readonly IdentityProvider[];
}

export const NO_DEPLOYMENT_IDPS: DeploymentIdps = Object.freeze({ file: null, providers: Object.freeze([]) });

export class DeploymentIdpsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`identity providers file ${file} is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DeploymentIdpsError';
  }
}

const MAX_PROVIDERS = 100;
const MAX_SECRET = 2048;
const UID_MESSAGE = 'must be 1-36 characters, contain only letters, digits, or hyphens, and start and end with a letter or digit';
const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });

/**
 * An entry: the admin API's fields plus `uid` and `clientSecretFile` (a path; a relative one starts at the IdP
 * file's folder). The strict variant also names unknown keys, a typo (clientSecretFiel) in a file being worth
 * refusing; the loose one lets the semantic checks run on an entry whose only fault is such a key.
 */
function entrySchema(strict: boolean) {
  const object = strict ? z.strictObject : z.object;
  return object({
    comment: z.string().max(1000).optional(),
    uid: z.string(required('a string')),
    name: identityProviderInput.shape.name,
    type: identityProviderInput.shape.type,
    title: identityProviderInput.shape.title,
    identifierFilter: identityProviderInput.shape.identifierFilter,
    groupFilter: identityProviderInput.shape.groupFilter,
    config: object(
      {
        oauth2Config: object({
          ...oauth2ConfigInput.shape,
          fieldMapping: object(fieldMappingInput.shape).default(EMPTY_FIELD_MAPPING),
          clientSecretFile: z.string().min(1).max(4096).optional(),
        }),
      },
      required('an object'),
    ),
  });
}

const strictEntry = entrySchema(true);
const looseEntry = entrySchema(false);

const fileShape = {
  comment: z.string().max(1000).optional(),
  // Each entry is checked on its own below, so one bad entry does not hide the problems of the others.
  identityProviders: z.array(z.unknown(), required('an array')).max(MAX_PROVIDERS),
};
const strictFile = z.strictObject(fileShape);
const looseFile = z.object(fileShape);

type Entry = z.infer<typeof looseEntry>;

interface SecretRead {
  secret: string;
  violations: FieldViolation[];
}

const SECRET_FIELD = 'config.oauth2Config.clientSecretFile';

/** The secret named by `clientSecretFile` (surrounding whitespace, e.g. the newline of `echo`, removed). */
function readSecret(entry: Entry, baseDir: string): SecretRead {
  const c = entry.config.oauth2Config;
  if (c.clientSecretFile === undefined) return { secret: c.clientSecret, violations: [] };
  const fail = (description: string): SecretRead => ({ secret: '', violations: [{ field: SECRET_FIELD, description }] });
  if (c.clientSecret !== '') return fail('give clientSecret or clientSecretFile, not both');
  const path = resolve(baseDir, c.clientSecretFile);
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (secret === '') return fail(`${path} is empty`);
  if (secret.length > MAX_SECRET) return fail(`${path} holds more than ${MAX_SECRET} characters`);
  return { secret, violations: [] };
}

/** The provider an entry describes, with every violation of the admin API's rules (and the file's own). */
function checkEntry(config: Pick<Config, 'mode' | 'instanceOrigin'>, entry: Entry, baseDir: string, loadedAt: Date) {
  const { clientSecretFile: _path, ...input } = entry.config.oauth2Config;
  const secret = readSecret(entry, baseDir);
  const checked = checkOAuth2Config(config, { ...input, clientSecret: secret.secret }, null);
  // A clientSecretFile that could not be read is reported once, as itself, not again as a missing clientSecret.
  const configViolations = secret.violations.length > 0
    ? checked.violations.filter((v) => v.field !== 'config.oauth2Config.clientSecret')
    : checked.violations;
  const title = entry.title.trim();
  const violations = [
    ...(isValidIdpUid(entry.uid) ? [] : [{ field: 'uid', description: UID_MESSAGE }]),
    ...(entry.name !== undefined && entry.name !== `identity-providers/${entry.uid}`
      ? [{ field: 'name', description: 'must be identity-providers/{uid} (or be left out)' }]
      : []),
    ...checkTitle(title),
    ...checkIdentifierFilter(entry.identifierFilter),
    ...checkGroupFilter(entry.groupFilter),
    ...configViolations,
    ...secret.violations,
  ];
  const idp: IdentityProvider = {
    id: 0,
    uid: entry.uid,
    title,
    type: entry.type,
    identifierFilter: entry.identifierFilter,
    groupFilter: entry.groupFilter,
    config: checked.value,
    createdAt: loadedAt,
    updatedAt: loadedAt,
  };
  return { idp, violations };
}

function labelOf(index: number, raw: unknown): string {
  const uid = (raw as { uid?: unknown } | null)?.uid;
  const named = typeof uid === 'string' && uid.length > 0 ? ` (uid ${JSON.stringify(uid.slice(0, 64))})` : '';
  return `identityProviders[${index}]${named}`;
}

const pathOf = (path: readonly PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

/** Validates parsed JSON into frozen providers; throws DeploymentIdpsError with every problem found. */
export function compileDeploymentIdps(
  config: Pick<Config, 'mode' | 'instanceOrigin'>,
  input: unknown,
  file: string,
  loadedAt: Date,
): DeploymentIdps {
  const problems: string[] = [];
  const shape = strictFile.safeParse(input);
  if (!shape.success) problems.push(...shape.error.issues.map((i) => `${pathOf(i.path) || '(file)'}: ${i.message}`));
  const parsed = looseFile.safeParse(input);
  if (!parsed.success) throw new DeploymentIdpsError(file, problems);
  const baseDir = dirname(resolve(file));
  const providers: IdentityProvider[] = [];
  const seen = new Map<string, number>();
  parsed.data.identityProviders.forEach((raw, index) => {
    const label = labelOf(index, raw);
    const camel = camelizeKeys(raw);
    const shape = strictEntry.safeParse(camel);
    if (!shape.success) {
      for (const issue of shape.error.issues) problems.push(`${label}: ${pathOf(issue.path) || '(entry)'}: ${issue.message}`);
    }
    const entry = looseEntry.safeParse(camel);
    if (!entry.success) return;
    const { idp, violations } = checkEntry(config, entry.data, baseDir, loadedAt);
    const first = seen.get(idp.uid);
    if (first !== undefined) problems.push(`${label}: uid: is already used by identityProviders[${first}]`);
    else seen.set(idp.uid, index);
    for (const v of violations) problems.push(`${label}: ${v.field}: ${v.description}`);
    providers.push(idp);
  });
  if (problems.length > 0) throw new DeploymentIdpsError(file, problems);
  return deepFreeze({ file, providers });
}

/** Reads and checks GATEWAY_IDP_FILE; no file configured means no deployment providers. */
export function loadDeploymentIdps(config: Pick<Config, 'idpFile' | 'mode' | 'instanceOrigin'>, loadedAt: Date): DeploymentIdps {
  const file = config.idpFile;
  if (file === null) return NO_DEPLOYMENT_IDPS;
  const read = readJsonFile(file);
  if ('problem' in read) throw new DeploymentIdpsError(file, [read.problem]);
  return compileDeploymentIdps(config, read.json, file, loadedAt);
}
