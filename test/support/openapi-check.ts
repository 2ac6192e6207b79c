// Checks every JSON answer a test gateway gives against the OpenAPI document generated from its route table: a
// response whose body does not match the schema of its route and status (or the Error schema for any other
// status) is recorded, and the gateway's close() then fails the test that caused it.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { buildOpenApiDocument, documentedMethods, openApiPath, routeDocKey, type DocumentedRoute } from '../../src/openapi/openapi-document.js';
import { routePathPattern } from '../../src/routes.js';

interface Operation {
  regex: RegExp;
  method: string;
  pointer: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface ResponseChecker {
  /** Wraps a request listener so that every answer it gives is checked. */
  wrap(listener: RequestListener): RequestListener;
  /** What did not match so far (method, path, status, the validator's complaint). */
  readonly mismatches: string[];
}

const pointerPart = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));

interface CompiledDocument {
  ajv: Ajv2020;
  operations: Operation[];
  validators: Map<string, ValidateFunction>;
}

// Every test gateway has the same table: the document and its validators are built once per table and URL.
const documents = new Map<string, CompiledDocument>();

function compiledDocument(routes: readonly DocumentedRoute[], instanceUrl: string): CompiledDocument {
  const key = `${instanceUrl} ${routes.map(routeDocKey).join(' ')}`;
  let compiled = documents.get(key);
  if (!compiled) {
    const doc = buildOpenApiDocument(routes, instanceUrl) as { paths: Record<string, Record<string, { responses: Operation['responses'] }>> };
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
    ajv.addSchema(doc, 'openapi');
    const operations = routes.flatMap((route) =>
      documentedMethods(route).map((method) => {
        const path = openApiPath(route.path);
        return { regex: routePathPattern(route.path), method: method.toUpperCase(), pointer: `openapi#/paths/${pointerPart(path)}/${method}`, responses: doc.paths[path]![method]!.responses };
      }),
    );
    compiled = { ajv, operations, validators: new Map() };
    documents.set(key, compiled);
  }
  return compiled;
}

export function createResponseChecker(routes: readonly DocumentedRoute[], instanceUrl: string): ResponseChecker {
  const { ajv, operations, validators: compiled } = compiledDocument(routes, instanceUrl);
  const validatorFor = (op: Operation, status: number): ValidateFunction | null => {
    const key = op.responses[String(status)] ? String(status) : op.responses.default ? 'default' : null;
    if (key === null || !op.responses[key]!.content?.['application/json']) return null;
    const ref = `${op.pointer}/responses/${key}/content/${pointerPart('application/json')}/schema`;
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      compiled.set(ref, validate);
    }
    return validate;
  };
  const mismatches: string[] = [];

  const check = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const op = operations.find((o) => o.method === method && o.regex.test(path));
    const where = `${req.method} ${path} → ${res.statusCode}`;
    if (!op) {
      // Unknown paths answer the Error shape (404/405) like every other failure.
      if (res.statusCode < 400) return;
    }
    if (!/^application\/json/.test(String(res.getHeader('content-type') ?? '')) || body.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      mismatches.push(`${where}: the body is not JSON`);
      return;
    }
    const validate = op ? validatorFor(op, res.statusCode) : ajv.getSchema('openapi#/components/schemas/Error') ?? null;
    if (!validate) {
      mismatches.push(`${where}: the document gives no JSON schema for this status`);
      return;
    }
    if (!validate(parsed)) mismatches.push(`${where}: ${ajv.errorsText(validate.errors)} in ${body.toString('utf8').slice(0, 300)}`);
  };

  return {
    mismatches,
    wrap(listener) {
      return (req, res) => {
        const chunks: Buffer[] = [];
        const write = res.write.bind(res) as (...args: unknown[]) => boolean;
        const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
        const keep = (chunk: unknown, encoding?: unknown) => {
          if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
          chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
        };
        res.write = ((chunk: unknown, ...rest: unknown[]) => {
          keep(chunk, rest[0]);
          return write(chunk, ...rest);
        }) as ServerResponse['write'];
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          keep(chunk, rest[0]);
          return end(chunk, ...rest);
        }) as ServerResponse['end'];
        res.once('finish', () => check(req, res, Buffer.concat(chunks)));
        listener(req, res);
      };
    },
  };
}
