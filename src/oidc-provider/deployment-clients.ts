// Relying parties managed by the deployment (GATEWAY_OIDC_CLIENTS_FILE, JSON; config/oidc-clients.example.json):
// read once at start, checked with the admin API's rules, every problem reported together naming its field (never
// quoting a secret), frozen. They shadow database rows with the same clientId and cannot be changed through the API.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../auth/secrets.js';
import { deepFreeze, readJsonFile } from '../config-file.js';
import type { Config } from '../config.js';
import type { FieldViolation } from '../errors.js';
import { clientFields, clientFromInput, clientRuleViolations, createClientBody } from './client-input.js';
import type { OidcClient } from './oidc-storage.js';

export interface DeploymentOidcClients {
  /** The file they came from; null when GATEWAY_OIDC_CLIENTS_FILE is not set. */
  readonly file: string | null;
  /** In file order; the secret only as its SHA-256, as for API-managed clients. */
  readonly clients: readonly OidcClient[];
}

export const NO_DEPLOYMENT_OIDC_CLIENTS: DeploymentOidcClients = Object.freeze({ file: null, clients: Object.freeze([]) });

export class DeploymentOidcClientsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`OIDC clients file ${file} is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DeploymentOidcClientsError';
  }
}

const MAX_CLIENTS = 200;
const MAX_SECRET = 2048;
const MIN_SECRET = 32;

/**
 * An entry: the API's create body with `clientId` required, plus the secret of a confidential client as
 * `clientSecret` or `clientSecretFile` (a path; a relative one starts at the clients file's folder).
 */
const entrySchema = createClientBody.extend({
  comment: z.string().max(1000).optional(),
  clientId: clientFields.clientId,
  clientSecret: z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`).max(MAX_SECRET).optional(),
  clientSecretFile: z.string().min(1).max(4096).optional(),
});
type Entry = z.infer<typeof entrySchema>;

const fileSchema = z.strictObject({
  comment: z.string().max(1000).optional(),
  // Each entry is checked on its own below, so one bad entry does not hide the problems of the others.
  clients: z.array(z.unknown(), { error: (i) => (i.input === undefined ? 'is required' : 'must be an array') }).max(MAX_CLIENTS),
});

const pathOf = (path: readonly PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

function labelOf(index: number, raw: unknown): string {
  const id = (raw as { clientId?: unknown } | null)?.clientId;
  return `clients[${index}]${typeof id === 'string' && id.length > 0 ? ` (clientId ${JSON.stringify(id.slice(0, 64))})` : ''}`;
}

/** The secret of a confidential entry (file contents trimmed), or the violations that stop it. */
function readSecret(entry: Entry, baseDir: string): { secret: string | null; violations: FieldViolation[] } {
  const fail = (field: string, description: string) => ({ secret: null, violations: [{ field, description }] });
  if (entry.public === true) {
    if (entry.clientSecret !== undefined || entry.clientSecretFile !== undefined) return fail('clientSecret', 'a public client has no secret');
    return { secret: null, violations: [] };
  }
  if (entry.clientSecret !== undefined && entry.clientSecretFile !== undefined) return fail('clientSecretFile', 'give clientSecret or clientSecretFile, not both');
  if (entry.clientSecret !== undefined) return { secret: entry.clientSecret, violations: [] };
  if (entry.clientSecretFile === undefined) return fail('clientSecret', 'a confidential client needs clientSecret or clientSecretFile');
  const path = resolve(baseDir, entry.clientSecretFile);
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (err) {
    return fail('clientSecretFile', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (secret.length < MIN_SECRET) return fail('clientSecretFile', `${path} holds fewer than ${MIN_SECRET} characters`);
  if (secret.length > MAX_SECRET) return fail('clientSecretFile', `${path} holds more than ${MAX_SECRET} characters`);
  return { secret, violations: [] };
}

/** Validates parsed JSON into frozen clients; throws DeploymentOidcClientsError with every problem found. */
export function compileDeploymentOidcClients(input: unknown, file: string, loadedAt: Date): DeploymentOidcClients {
  const problems: string[] = [];
  const shape = fileSchema.safeParse(input);
  if (!shape.success) {
    problems.push(...shape.error.issues.map((i) => `${pathOf(i.path) || '(file)'}: ${i.message}`));
    throw new DeploymentOidcClientsError(file, problems);
  }
  const baseDir = dirname(resolve(file));
  const clients: OidcClient[] = [];
  const seen = new Map<string, number>();
  shape.data.clients.forEach((raw, index) => {
    const label = labelOf(index, raw);
    // Duplicates are found on the raw id, so an entry with other faults still claims its id.
    const rawId = (raw as { clientId?: unknown } | null)?.clientId;
    if (typeof rawId === 'string') {
      const first = seen.get(rawId);
      if (first !== undefined) problems.push(`${label}: clientId: is already used by clients[${first}]`);
      else seen.set(rawId, index);
    }
    const entry = entrySchema.safeParse(raw);
    if (!entry.success) {
      // zod never quotes the input in these messages, so a misplaced secret is not echoed.
      for (const issue of entry.error.issues) problems.push(`${label}: ${pathOf(issue.path) || '(entry)'}: ${issue.message}`);
      return;
    }
    const { comment: _c, clientSecret: _s, clientSecretFile: _f, ...body } = entry.data;
    const secret = readSecret(entry.data, baseDir);
    const client = clientFromInput(body, entry.data.clientId, secret.secret === null ? null : sha256Hex(secret.secret), loadedAt);
    for (const v of [...secret.violations, ...clientRuleViolations(client)]) problems.push(`${label}: ${v.field}: ${v.description}`);
    clients.push(client);
  });
  if (problems.length > 0) throw new DeploymentOidcClientsError(file, problems);
  return deepFreeze({ file, clients });
}

/** Reads and checks GATEWAY_OIDC_CLIENTS_FILE; no file configured means no deployment clients. */
export function loadDeploymentOidcClients(config: Pick<Config, 'oidcClientsFile'>, loadedAt: Date): DeploymentOidcClients {
  const file = config.oidcClientsFile;
  if (file === null) return NO_DEPLOYMENT_OIDC_CLIENTS;
  const read = readJsonFile(file);
  if ('problem' in read) throw new DeploymentOidcClientsError(file, [read.problem]);
  return compileDeploymentOidcClients(read.json, file, loadedAt);
}

export function findDeploymentOidcClient(clients: DeploymentOidcClients, clientId: string): OidcClient | null {
  return clients.clients.find((c) => c.clientId === clientId) ?? null;
}
