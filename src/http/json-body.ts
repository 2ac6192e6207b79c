// JSON request bodies, parsed strictly: size caps per route family (a few KB on auth routes), valid UTF-8 only
// (body-parser would silently replace bad bytes), bounded nesting, no NUL or lone surrogates in any string,
// and prototype-pollution keys dropped. Anything else is a 400 (or 413) before a handler sees it.
import { TextDecoder } from 'node:util';
import express, { type Request, type RequestHandler } from 'express';
import { AppError, invalidArgument } from '../errors.js';

export const AUTH_BODY_LIMIT = '4kb';
export const DEFAULT_BODY_LIMIT = '16kb';
export const MAX_DEPTH = 16;
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function verifyUtf8(_req: unknown, _res: unknown, buf: Buffer): void {
  try {
    utf8.decode(buf);
  } catch {
    // body-parser wraps what verify throws; its `type` is how errors.ts recognises it.
    throw Object.assign(new Error('request body is not valid UTF-8'), { type: 'entity.invalid.utf8', status: 400 });
  }
}

/**
 * RFC 8259 §8.1: JSON between systems is UTF-8. body-parser would decode any `utf-*` charset, so a UTF-16 body
 * (whose bytes can also pass as UTF-8) would slip past the strict decoding above; it is refused instead (415).
 */
function declaresOtherCharset(req: Request): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  return charset !== undefined && !/^utf-?8$/i.test(charset);
}

/** Walks the parsed value: depth, string hygiene, and poison keys removed (they are never meaningful here). */
function sanitise(value: unknown, depth: number): unknown {
  if (depth >= MAX_DEPTH) throw invalidArgument(`request body is nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value === 'string') {
    if (value.includes('\u0000') || LONE_SURROGATE.test(value)) throw invalidArgument('request body contains a NUL or an unpaired surrogate');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => sanitise(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const clean: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (POISON_KEYS.has(key)) continue;
      sanitise(key, depth + 1);
      clean[key] = sanitise(v, depth + 1);
    }
    return clean;
  }
  return value;
}

export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: true, type: 'application/json', verify: verifyUtf8 });
  return (req, res, next) => {
    if (req.is('application/json') && declaresOtherCharset(req)) {
      return next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body must be UTF-8 JSON'));
    }
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        if (req.body !== undefined) req.body = sanitise(req.body, 0);
      } catch (e) {
        return next(e);
      }
      next();
    });
  };
}
