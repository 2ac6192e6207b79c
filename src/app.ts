// createApp(deps): the Express app with security middleware, body limits, the route table, 404 and the error
// handler. createRequestListener(deps): what the server runs: /auth/verify straight to the forward-auth handler,
// everything else to the app. Neither listens: main.ts does (http/server.ts), and tests use them on port 0.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Deps } from './deps.js';
import { AppError, errorMiddleware, notFoundMiddleware } from './errors.js';
import { AUTH_BODY_LIMIT, DEFAULT_BODY_LIMIT, jsonBody } from './http/json-body.js';
import { hasRepeatedAuthorization } from './http/repeated-header.js';
import { buildRouter } from './routes.js';
import { CONSOLE_FORM_PATHS, consoleFormBody, FORM_PATHS, formBody, isParsedForm } from './web/form-body.js';
import { serveVerify, verifySourceOf, type TrustProxy } from './forward-auth/verify-handler.js';
import { mountOidcProvider } from './oidc-provider/mount.js';

/** Bodies are JSON only: anything else with content is refused with 415 before it is read. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (isParsedForm(req)) return next(); // the sign-in page's form, parsed just before (web/form-body.ts)
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !req.is('application/json')) {
    return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json'));
  }
  next();
};

/** Two Authorization headers are two credentials: refused, never judged on the first (Node drops the rest). */
const refuseRepeatedAuthorization: RequestHandler = (req, _res, next) => {
  if (req.headers.authorization !== undefined && hasRepeatedAuthorization(req.rawHeaders)) {
    return next(new AppError('INVALID_ARGUMENT', 'only one Authorization header is allowed'));
  }
  next();
};

const noStore: RequestHandler = (_req, res, next) => {
  // Responses here may carry tokens; no cache may keep them (RFC 6749 §5.1).
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};

function withoutLocationQuery(headers: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!headers || typeof headers.location !== 'string') return headers;
  return { ...headers, location: headers.location.replace(/[?#].*$/s, '') };
}

export function createApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', deps.config.trustedProxies);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        // A Location's query carries OAuth state, codes and return targets: log where it points, not what it carries.
        res: (res: { statusCode: number; headers?: Record<string, unknown> }) => ({ statusCode: res.statusCode, headers: withoutLocationQuery(res.headers) }),
      },
    }),
  );
  app.use(helmet());
  app.use(noStore);
  app.use(refuseRepeatedAuthorization);
  // The OpenID Provider's protocol endpoints parse their own (form) bodies: before the JSON-only gate.
  mountOidcProvider(app, deps);
  for (const path of FORM_PATHS) app.use(path, formBody);
  for (const path of CONSOLE_FORM_PATHS) app.use(path, consoleFormBody);
  app.use(requireJsonBody);
  app.use('/api/v1/auth', jsonBody(AUTH_BODY_LIMIT));
  app.use(jsonBody(DEFAULT_BODY_LIMIT));
  app.use(buildRouter(deps));
  app.use(notFoundMiddleware);
  app.use(errorMiddleware(deps.logger));
  return app;
}

/**
 * The server's request listener: the forward-auth hot path (/auth/verify and /auth/verify/forward-auth, exactly
 * as proxies send them) is answered ahead of the Express stack (request logging, helmet, body parsing, router),
 * so it costs what a bare node:http handler costs; every other request, other spellings of those paths included,
 * goes to `app` and the route table.
 */
export function createRequestListener(deps: Deps, app: Express = createApp(deps)): RequestListener {
  const trust = app.get('trust proxy fn') as TrustProxy;
  const { forwardAuth, logger } = deps;
  return (req, res) => {
    const source = verifySourceOf(req.url);
    if (source !== null) serveVerify(forwardAuth, logger, req, res, trust, source);
    else app(req, res);
  };
}
