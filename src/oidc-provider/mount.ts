// Serves the OpenID Provider's protocol endpoints under /oidc (discovery, JWKS, authorize, token, userinfo,
// introspection, revocation, end_session) ahead of the gateway's JSON-only body handling: oidc-provider reads its
// own form bodies and writes its own OAuth error answers (RFC 6749 §5.2), never a stack.
import type { Express } from 'express';
import type Provider from 'oidc-provider';
import type { Deps } from '../deps.js';
import { OIDC_MOUNT_PATH } from './provider.js';

export function mountOidcProvider(app: Express, deps: Deps): void {
  const oidc = deps.oidc;
  if (!oidc) return;
  const handlers = new WeakMap<object, ReturnType<Provider['callback']>>();
  app.use(OIDC_MOUNT_PATH, (req, res, next) => {
    oidc.current().then((provider) => {
      let handler = handlers.get(provider);
      if (!handler) handlers.set(provider, (handler = provider.callback()));
      return handler(req, res);
    }, next);
  });
}
