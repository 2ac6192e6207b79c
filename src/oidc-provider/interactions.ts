// The OP's login and consent prompts, answered by the gateway itself: GET /auth/oidc/interaction/:uid signs the
// browser's gateway session in to the OP (or sends it to the sign-in page first, with this interaction as the
// return target), checks the client's allow list, and asks for consent when the client wants it;
// POST …/consent takes the answer. The OP never has a sign-in of its own.
import type { Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { originOf, recordAudit } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, invalidArgument, notFound } from '../errors.js';
import { findSignInMethods } from '../sessions/sign-in-method.js';
import { asBrowserRoute, signInPageUrl } from '../web/browser-errors.js';
import { originsOf, renderConsentPage, sendOidcPage } from '../web/oidc-pages.js';
import { findBrowserSession } from './account.js';
import { setTrustedForwardedHeaders } from './mount.js';
import { clientAllows } from './client-access.js';
import { INTERACTION_PATH } from './provider.js';
import type { OidcClient } from './oidc-storage.js';
import { findOidcClient } from './client-lookup.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Browser = NonNullable<Awaited<ReturnType<typeof findBrowserSession>>>;

const freshLoginKey = (uid: string) => `oidc:fresh-login:${uid}`;
const FRESH_LOGIN_TTL_MS = 60 * 60 * 1000;

export async function requireProvider(deps: Deps): Promise<Provider> {
  if (!deps.oidc) throw notFound('the OpenID Provider is turned off (GATEWAY_OIDC_PROVIDER=false)');
  return deps.oidc.current();
}

async function loadInteraction(deps: Deps, req: Request, res: Response): Promise<{ provider: Provider; details: Details; client: OidcClient }> {
  const provider = await requireProvider(deps);
  setTrustedForwardedHeaders(req, deps.config);
  let details: Details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    throw new AppError('FAILED_PRECONDITION', 'this sign-in request has expired or belongs to another browser; start again from the app', { cause: err });
  }
  if (details.uid !== req.params.uid) throw invalidArgument('this sign-in request belongs to another browser tab');
  const client = await findOidcClient(deps, String(details.params.client_id));
  if (!client) throw notFound('the application is no longer registered');
  return { provider, details, client };
}

const scopesOf = (details: Details) => String(details.params.scope ?? '').split(' ').filter(Boolean);

async function finish(provider: Provider, req: Request, res: Response, result: InteractionResults, merge: boolean): Promise<void> {
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
}

async function deny(deps: Deps, provider: Provider, req: Request, res: Response, client: OidcClient, userId: number | null, reason: string): Promise<void> {
  await recordAudit(deps, 'oidc.denied', originOf(req), { actorUserId: userId, subjectUserId: userId, subject: client.clientId, detail: { step: 'interaction', reason } });
  await finish(provider, req, res, { error: 'access_denied', error_description: reason === 'user_denied' ? 'the user denied the request' : 'this user may not use this application' }, false);
}

/** prompt=login and max_age ask for a sign-in made during this interaction, not the session the browser had. */
async function needsFreshSignIn(deps: Deps, details: Details, browser: Browser | null): Promise<boolean> {
  const reasons = details.prompt.reasons;
  if (!reasons.includes('login_prompt') && !reasons.includes('max_age')) return browser === null;
  const key = freshLoginKey(details.uid);
  let before = await deps.ephemeral.get(key);
  if (before === null) {
    before = browser?.session.id ?? '-';
    await deps.ephemeral.set(key, before, FRESH_LOGIN_TTL_MS);
  }
  return browser === null || browser.session.id === before;
}

async function grantConsent(deps: Deps, provider: Provider, req: Request, res: Response, details: Details, client: OidcClient, browser: Browser, remember: boolean) {
  const accountId = String(browser.user.id);
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  grant ??= new provider.Grant({ accountId, clientId: client.clientId });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  // The grant lives as long as the gateway session it came from (account.ts, provider.ts).
  await deps.store.oidcModels.bindGrantToSession(grantId, browser.session.id);
  if (remember) await deps.store.oidcConsents.remember(browser.user.id, client.clientId, scopesOf(details), deps.clock.now());
  await recordAudit(deps, 'oidc.consent', originOf(req), {
    actorUserId: browser.user.id, subjectUserId: browser.user.id, subject: client.clientId, detail: { scope: scopesOf(details).join(' '), remembered: remember },
  });
  await finish(provider, req, res, { consent: { grantId } }, true);
}

async function rememberedConsentCovers(deps: Deps, userId: number, client: OidcClient, details: Details): Promise<boolean> {
  if (client.consent === 'SKIP') return true;
  const remembered = await deps.store.oidcConsents.find(userId, client.clientId);
  return remembered !== null && scopesOf(details).every((s) => remembered.includes(s));
}

export function showInteraction(deps: Deps): RequestHandler {
  return asBrowserRoute(deps, async (req, res) => {
    const { provider, details, client } = await loadInteraction(deps, req, res);
    const here = `${INTERACTION_PATH}/${details.uid}`;
    const browser = await findBrowserSession(deps, req.headers.cookie);
    if (details.prompt.name === 'login') {
      if (await needsFreshSignIn(deps, details, browser)) return res.redirect(303, signInPageUrl(here));
      if (!(await clientAllows(deps, client, browser!.user))) return deny(deps, provider, req, res, client, browser!.user.id, 'user_not_allowed');
      const amr = await findSignInMethods(deps, browser!.session.id);
      return finish(provider, req, res, {
        login: { accountId: String(browser!.user.id), ts: Math.floor(browser!.session.createdAt.getTime() / 1000), amr, remember: true },
      }, false);
    }
    if (details.prompt.name !== 'consent') throw invalidArgument('unsupported prompt');
    if (!browser || String(browser.user.id) !== String(details.session?.accountId)) return res.redirect(303, signInPageUrl(here));
    if (!(await clientAllows(deps, client, browser.user))) return deny(deps, provider, req, res, client, browser.user.id, 'user_not_allowed');
    if (await rememberedConsentCovers(deps, browser.user.id, client, details)) {
      return grantConsent(deps, provider, req, res, details, client, browser, false);
    }
    const body = renderConsentPage({
      clientName: client.displayName || client.clientId,
      username: browser.user.username,
      scopes: scopesOf(details),
      action: `${here}/consent`,
      csrfToken: String(res.locals.csrfToken ?? ''),
    });
    sendOidcPage(res, 200, 'Allow access', body, originsOf(client.redirectUris));
  });
}

export function submitConsent(deps: Deps): RequestHandler {
  return asBrowserRoute(deps, async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const expected = req.session?.csrfToken;
    if (typeof expected !== 'string' || form.csrf !== expected) throw new AppError('PERMISSION_DENIED', 'the consent form is stale; go back to the app and start again');
    const { provider, details, client } = await loadInteraction(deps, req, res);
    if (details.prompt.name !== 'consent') throw invalidArgument('this sign-in request does not ask for consent');
    const browser = await findBrowserSession(deps, req.headers.cookie);
    if (!browser || String(browser.user.id) !== String(details.session?.accountId)) return res.redirect(303, signInPageUrl(`${INTERACTION_PATH}/${details.uid}`));
    if (form.decision !== 'allow') return deny(deps, provider, req, res, client, browser.user.id, 'user_denied');
    if (!(await clientAllows(deps, client, browser.user))) return deny(deps, provider, req, res, client, browser.user.id, 'user_not_allowed');
    return grantConsent(deps, provider, req, res, details, client, browser, true);
  });
}
