// Finishing a browser sign-in at /auth/callback: take the flow record (single use), check it belongs to this
// browser and is fresh, exchange the code with the record's verifier, state and nonce, map and filter the
// identifier, and find or register the user. Nothing is written before every check has passed, except the
// outcome's audit row (sso.signin or sso.denied, see sso-audit.ts).
import { recordAudit, type AuditOrigin } from '../audit/audit-log.js';
import { linkIdentityToUser } from './linked-identities.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { sha256Hex, constantTimeEqual } from '../auth/secrets.js';
import { checkReturnUrl } from '../http/return-url.js';
import type { User } from '../users/user.js';
import { requireAllowedProfile } from './external-profile.js';
import { FLOW_TTL_MS, isWellFormedState, takeFlowRecord, type FlowRecord } from './flow-record.js';
import type { IdentityProvider } from './identity-provider.js';
import { findIdpByUid } from './idp-lookup.js';
import { fetchProviderClaims } from './provider-client.js';
import { findRawIdToken } from './oidc-client.js';
import { providerName } from './provider-errors.js';
import { callbackUrl } from './redirect-uri.js';
import { resolveSsoUser } from './resolve-user.js';
import { recordSsoDenied, recordSsoSignIn } from './sso-audit.js';
import { flowInvalid, SsoError } from './sso-errors.js';

const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error'] as const;

export interface FinishFlowInput {
  /** The callback's query as parsed (values may be strings, arrays or objects: only single strings pass). */
  query: Record<string, unknown>;
  /** The browser's binding cookie value, if any. */
  binding: string | null;
  /** Where the callback came from, for the audit row. */
  origin: AuditOrigin;
  /** The user the browser's sso_session names: a link flow must end in the session of the user who started it. */
  signedInUserId?: number | null;
}

export interface FinishedFlow {
  user: User;
  returnTo: string;
  idp: IdentityProvider;
  /** True when the flow linked the account to a signed-in user (no new session). */
  linked?: boolean;
  /** The provider's ID token, only when it has endSessionAtProvider (upstream-sign-out.ts keeps it sealed). */
  idToken: string | null;
}

/** The authorization response parameters, each exactly one string (`?state=a&state=b` is refused). */
function readCallbackParams(query: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of CALLBACK_PARAMS) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > 4096) throw flowInvalid();
    params.set(name, value);
  }
  return params;
}

/** Takes the flow record the state names (single use): a state that names none is refused. */
async function takeRecordOfState(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, params: URLSearchParams): Promise<FlowRecord> {
  const state = params.get('state');
  if (!isWellFormedState(state)) throw flowInvalid();
  const record = await takeFlowRecord(deps.ephemeral, state);
  if (!record) throw flowInvalid();
  return record;
}

function requireFreshOwnRecord(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, record: FlowRecord, binding: string | null): void {
  if (deps.clock.now().getTime() - record.createdAt > FLOW_TTL_MS) throw flowInvalid();
  // Login CSRF: the record must have been created by this browser (RFC 6819 §4.4.1.8).
  if (binding === null || !constantTimeEqual(sha256Hex(binding), record.binding)) {
    deps.logger.warn({ event: 'sso_binding_mismatch', idp: record.idp }, 'SSO callback from a browser that did not start the flow');
    throw flowInvalid();
  }
}

function providerError(idp: IdentityProvider, error: string): SsoError {
  const name = providerName(idp);
  // RFC 6749 §4.1.2.1: only the error code is looked at; error_description is provider text and stays out.
  return error === 'access_denied'
    ? new SsoError('PERMISSION_DENIED', 'PROVIDER_DENIED', `sign-in was cancelled or refused at identity provider "${name}"`, { provider: name })
    : new SsoError('BAD_GATEWAY', 'PROVIDER_ERROR', `identity provider "${name}" reported an error`, { provider: name });
}

async function completeFlow(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, record: FlowRecord, params: URLSearchParams, signedInUserId: number | null): Promise<FinishedFlow> {
  // A link flow that comes back in another user's session (or none) is refused before the code is used.
  if (record.linkUserId !== undefined && record.linkUserId !== signedInUserId) throw flowInvalid();
  const idp = await findIdpByUid(deps, record.idp);
  if (!idp) throw new SsoError('NOT_FOUND', 'PROVIDER_NOT_FOUND', 'identity provider not found');
  const error = params.get('error');
  if (error !== null) throw providerError(idp, error);
  if (!params.get('code')) throw flowInvalid();
  const claims = await fetchProviderClaims(deps, idp, {
    params,
    redirectUri: callbackUrl(deps.config),
    codeVerifier: record.codeVerifier,
    expectedState: record.state,
    expectedNonce: record.nonce,
  });
  const profile = requireAllowedProfile(idp, claims);
  if (record.linkUserId !== undefined) {
    const user = await linkIdentityToUser(deps, idp, profile, record.linkUserId);
    return { user, idp, returnTo: safeReturnTo(deps.config, record.returnTo), linked: true, idToken: null };
  }
  const user = await resolveSsoUser(deps, idp, profile);
  const idToken = idp.config.endSessionAtProvider === true ? findRawIdToken(claims) : null;
  return { user, idp, idToken, returnTo: safeReturnTo(deps.config, record.returnTo) };
}

function safeReturnTo(config: Config, returnTo: string): string {
  return checkReturnUrl(config, returnTo) ?? '/';
}

/** Finishes the flow; the outcome, either way, is an audit row naming the provider (once the state named one). */
export async function finishSsoFlow(deps: Pick<Deps, 'clock' | 'config' | 'deploymentIdps' | 'ephemeral' | 'events' | 'logger' | 'metrics' | 'passwords' | 'providerDiscovery' | 'store'>, input: FinishFlowInput): Promise<FinishedFlow> {
  let record: FlowRecord | null = null;
  try {
    const params = readCallbackParams(input.query);
    record = await takeRecordOfState(deps, params);
    requireFreshOwnRecord(deps, record, input.binding);
    const finished = await completeFlow(deps, record, params, input.signedInUserId ?? null);
    if (finished.linked) await recordAudit(deps, 'identity.linked', input.origin, { actorUserId: finished.user.id, subjectUserId: finished.user.id, subject: finished.idp.uid });
    else await recordSsoSignIn(deps, input.origin, finished.idp.uid, finished.user, 'callback');
    return finished;
  } catch (err) {
    if (err instanceof SsoError && record !== null) {
      err.returnTo = safeReturnTo(deps.config, record.returnTo);
      deps.logger.info({ event: 'sso_refused', idp: record.idp, reason: err.reason }, 'SSO sign-in refused');
    }
    await recordSsoDenied(deps, input.origin, record?.idp ?? null, err, 'callback');
    throw err;
  }
}
