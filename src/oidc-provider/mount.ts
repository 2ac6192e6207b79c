// Serves the OpenID Provider's protocol endpoints under /oidc (discovery, JWKS, authorize, token, userinfo,
// introspection, revocation, end_session) ahead of the gateway's JSON-only body handling: oidc-provider reads its
// own form bodies and writes its own OAuth error answers (RFC 6749 §5.2), never a stack.
import type { Express, Request, RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';
import { OIDC_MOUNT_PATH } from './provider.js';
import { isSecureRequest } from '../http/cookies.js';

const handlers = new WeakMap<object, ReturnType<Provider['callback']>>();

/** The provider's Koa app as an Express handler (one per provider build). */
export function oidcProtocolHandler(deps: Pick<Deps, 'oidc'>): RequestHandler {
  return (req, res, next) => {
    if (!deps.oidc) return next();
    deps.oidc.current().then((provider) => {
      let handler = handlers.get(provider);
      if (!handler) handlers.set(provider, (handler = provider.callback()));
      return handler(req, res);
    }, next);
  };
}

/**
 * Koa (the provider) would read X-Forwarded-* from anyone; it is told instead what Express decided under
 * GATEWAY_TRUSTED_PROXIES (scheme, host, client IP), so cookies are Secure exactly when the gateway's are and
 * endpoint URLs never follow a spoofed host.
 */
export function setTrustedForwardedHeaders(req: Request, config: Deps['config']): void {
  req.headers['x-forwarded-proto'] = isSecureRequest(req, config) ? 'https' : 'http';
  req.headers['x-forwarded-host'] = req.host;
  req.headers['x-forwarded-for'] = req.ip ?? '';
}

function forwardTrustedView(deps: Deps): RequestHandler {
  return (req, _res, next) => {
    setTrustedForwardedHeaders(req, deps.config);
    next();
  };
}

export function mountOidcProvider(app: Express, deps: Deps): void {
  if (!deps.oidc) return;
  app.use(OIDC_MOUNT_PATH, forwardTrustedView(deps), oidcProtocolHandler(deps));
}

/** The discovery document's route in the table (served by the mount above; 404 when the provider is off). */
export function oidcDiscoveryRoute(deps: Pick<Deps, 'oidc'>): RequestHandler {
  const handler = oidcProtocolHandler(deps);
  return (req, res, next) => {
    // Reached only when the mount did not answer (provider off); the provider expects the mount-relative path.
    req.url = '/.well-known/openid-configuration';
    handler(req, res, next);
  };
}
