// The HTML forms the gateway accepts (POST /auth/signin and the second step's) are url-encoded; every other body is JSON only.
// Parsed here, small and flat; requests whose form body was read are remembered so the JSON-only gate in
// app.ts lets exactly those through.
import express, { type RequestHandler } from 'express';

export const FORM_PATHS = ['/auth/signin', '/auth/mfa', '/auth/mfa/enroll', '/auth/oidc/interaction/:uid/consent'];

const parseForm = express.urlencoded({
  extended: false,
  limit: '4kb',
  parameterLimit: 10,
  type: 'application/x-www-form-urlencoded',
});

const parsedForms = new WeakSet<object>();

export const formBody: RequestHandler = (req, res, next) => {
  parseForm(req, res, (err?: unknown) => {
    if (err === undefined && req.is('application/x-www-form-urlencoded')) parsedForms.add(req);
    next(err);
  });
};

// The console's forms (/account, /admin, the first-run form): more fields (a provider form has 16).
export const CONSOLE_FORM_PATHS = ['/auth/setup', '/account', '/admin', '/console'];
const parseConsoleForm = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 40, type: 'application/x-www-form-urlencoded' });

export const consoleFormBody: RequestHandler = (req, res, next) => {
  parseConsoleForm(req, res, (err?: unknown) => {
    if (err === undefined && req.is('application/x-www-form-urlencoded')) parsedForms.add(req);
    next(err);
  });
};

/** True when formBody consumed this request's url-encoded body. */
export function isParsedForm(req: object): boolean {
  return parsedForms.has(req);
}
