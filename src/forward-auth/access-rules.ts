// The access-rules file (GATEWAY_ACCESS_RULES_FILE, JSON): which signed-in users may reach which host and path
// prefix. Read once at start, validated with zod, every problem reported together, compiled (hosts lower-cased,
// paths canonical, user patterns compiled with RE2, linear time), each problem naming its file:line:column.
// config/access-rules.example.json shows the shape.
// `users` names people by their stable id (`users/12` or 12), never by a name, which people can choose or change;
// `userPattern` matches only usernames an admin assigned or locked (access-policy.ts); `groups` names groups
// exactly (a user's effective groups: local ∪ upstream). A rule has `allow` (decides: "public", "any", "none" or
// a list) or `deny` (refuses whom it names, "any" = every signed-in person; others go on to later rules).
import { locateJsonPath, readJsonFile } from '../config-file.js';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { isValidGroupName } from '../groups/group-name.js';
import { isValidUsername } from '../users/username.js';
import { canonicalizePath } from './canonical-path.js';

export type Verdict = 'any' | 'none';

/** Who a list names: any of these roles, user ids, locked usernames matching the pattern, or groups. */
export interface SubjectList {
  roles: ReadonlySet<string>;
  userIds: ReadonlySet<number>;
  userPattern: RE2JS | null;
  groups: ReadonlySet<string>;
}

export interface CompiledRule {
  /** Position in the file (1-based), for logs. */
  index: number;
  /** The rule's `comment`, if any: how `npm run admin -- check-access` names it. */
  comment: string | null;
  /** `*`: every host; `.example.com`: that domain and its subdomains; else one host name. */
  host: { kind: 'any' } | { kind: 'domain'; name: string } | { kind: 'exact'; name: string; port: number | null };
  /** Canonical prefix, and the same lower-cased (see access-policy.ts for why both). */
  path: string;
  pathLower: string;
  /** `allow` rules decide; `deny` rules refuse whom they name and let everyone else go on to the next rule. */
  effect: 'allow' | 'deny';
  /**
   * allow rules: who passes (`public`: anyone, no credential read). deny rules: who is refused (`any`: every
   * signed-in person; never `public` or `none`).
   */
  allow: Verdict | 'public' | SubjectList;
}

export interface AccessRules {
  /** What applies when no rule matches: `any` signed-in user (the default) or `none`. */
  fallback: Verdict;
  rules: readonly CompiledRule[];
}

export const NO_RULES: AccessRules = Object.freeze({ fallback: 'any', rules: Object.freeze([]) });

export class AccessRulesError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`access rules ${file} are invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'AccessRulesError';
  }
}

const HOST_RULE = /^(\*|\.?[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::[0-9]{1,5})?)$/;
const MAX_PATTERN_LENGTH = 1000;

/** A user pattern, compiled at load (RE2: linear time, Go syntax as Memos' identifier filter). */
const userPatternSchema = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH)
  .transform((pattern, ctx) => {
    try {
      return RE2JS.compile(pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : 'does not compile' });
      return z.NEVER;
    }
  });

const USER_REFERENCE = /^(?:users\/)?([1-9][0-9]{0,14})$/;

/** `users/12`, `"12"` or 12 → 12; a username is refused with the reason. */
const userReferenceSchema = z.union([z.string(), z.number()]).transform((ref, ctx) => {
  const match = USER_REFERENCE.exec(String(ref));
  if (match && Number.isSafeInteger(Number(match[1]))) return Number(match[1]);
  const name = String(ref).slice(0, 80);
  ctx.addIssue({
    code: 'custom',
    message: isValidUsername(name)
      ? `"${name}" is a username: name users by their id ("users/12" or 12, as in GET /api/v1/users), because a username can be chosen or changed by the person it names; or match locked names with userPattern`
      : `"${name}" is not a user reference ("users/12" or 12)`,
  });
  return z.NEVER;
});

const allowListSchema = z
  .strictObject({
    roles: z.array(z.enum(['ADMIN', 'USER'])).max(10).optional(),
    users: z.array(userReferenceSchema).max(10_000).optional(),
    userPattern: userPatternSchema.optional(),
    groups: z.array(z.string().refine(isValidGroupName, 'is not a group name (1-256 visible ASCII characters, no comma)')).max(10_000).optional(),
  })
  .refine((a) => (a.roles?.length ?? 0) + (a.users?.length ?? 0) + (a.groups?.length ?? 0) > 0 || a.userPattern !== undefined, {
    message: 'name at least one of roles, users, userPattern, groups (or use "public" / "any" / "none")',
  })
  .transform((a): SubjectList => ({
    roles: new Set<string>(a.roles ?? []),
    userIds: new Set<number>(a.users ?? []),
    userPattern: a.userPattern ?? null,
    groups: new Set<string>(a.groups ?? []),
  }));
const verdictSchema = z.enum(['public', 'any', 'none']);
const denyVerdictSchema = z.enum(['any']);

/** `"public"`, `"any"`, `"none"` or a list object (deny: `"any"` or a list); checked by shape so the message names the actual mistake. */
const entrySchema = (deny: boolean) => z.unknown().transform((value, ctx): CompiledRule['allow'] => {
  const result = typeof value === 'string' ? (deny ? denyVerdictSchema : verdictSchema).safeParse(value) : allowListSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

const hostSchema = z
  .string()
  .transform((h) => h.trim().toLowerCase())
  .pipe(z.string().regex(HOST_RULE, 'must be "*", a host name (optionally :port) or .domain'))
  .transform((host, ctx): CompiledRule['host'] => {
    if (host === '*') return { kind: 'any' };
    if (host.startsWith('.')) return { kind: 'domain', name: host.slice(1) };
    const colon = host.lastIndexOf(':');
    if (colon === -1) return { kind: 'exact', name: host, port: null };
    const port = Number(host.slice(colon + 1));
    if (port < 1 || port > 65535) ctx.addIssue({ code: 'custom', message: 'port out of range' });
    return { kind: 'exact', name: host.slice(0, colon), port };
  });

const pathSchema = z
  .string()
  .max(1024)
  .default('/')
  .transform((path, ctx) => {
    const canonical = path.startsWith('/') ? canonicalizePath(path) : null;
    if (canonical === null) {
      ctx.addIssue({ code: 'custom', message: `"${path.slice(0, 80)}" is not a canonical path starting with /` });
      return z.NEVER;
    }
    return canonical;
  });

const ruleSchema = z
  .strictObject({
    comment: z.string().max(1000).optional(),
    host: hostSchema,
    path: pathSchema,
    allow: entrySchema(false).optional(),
    deny: entrySchema(true).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.allow === undefined) === (r.deny === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [r.allow === undefined ? 'allow' : 'deny'],
        message: r.allow === undefined
          ? 'required: allow ("public", "any", "none" or { roles, users, userPattern, groups }) or deny ("any" or such a list)'
          : 'a rule has allow or deny, not both',
      });
    }
  });

const fileSchema = z.strictObject({
  comment: z.string().max(1000).optional(),
  default: z.enum(['any', 'none']).default('any'),
  // Each rule is checked on its own below, so one bad rule does not hide the problems of the others.
  rules: z.array(z.unknown()).max(10_000),
});

/**
 * Validates and compiles parsed JSON; throws AccessRulesError with every problem found. Given the file's `text`,
 * each problem starts with `file:line:column:` of the value it is about.
 */
export function compileAccessRules(input: unknown, file = 'access rules', text?: string): AccessRules {
  const problem = (path: readonly PropertyKey[], message: string) => {
    const described = `${path.map(String).join('.') || '(file)'}: ${message}`;
    if (text === undefined) return described;
    const at = locateJsonPath(text, path);
    return `${file}:${at.line}:${at.column}: ${described}`;
  };
  const parsed = fileSchema.safeParse(input);
  if (!parsed.success) {
    throw new AccessRulesError(
      file,
      parsed.error.issues.map((i) => problem(i.path, i.message)),
    );
  }
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  parsed.data.rules.forEach((raw, i) => {
    const rule = ruleSchema.safeParse(raw);
    if (rule.success) {
      const { host, path, allow, deny, comment } = rule.data;
      const effect = deny === undefined ? 'allow' : 'deny';
      rules.push({ index: i + 1, comment: comment ?? null, host, path, pathLower: path.toLowerCase(), effect, allow: (allow ?? deny)! });
      return;
    }
    for (const issue of rule.error.issues) problems.push(problem(['rules', i, ...issue.path], issue.message));
  });
  if (problems.length > 0) throw new AccessRulesError(file, problems);
  return Object.freeze({
    fallback: parsed.data.default,
    rules: Object.freeze(rules),
  });
}

/** Reads, validates and compiles the rules file; no file configured means no rules (any signed-in user). */
export function loadAccessRules(file: string | null): AccessRules {
  if (file === null) return NO_RULES;
  const read = readJsonFile(file);
  if ('problem' in read) throw new AccessRulesError(file, [`${file}: ${read.problem}`]);
  return compileAccessRules(read.json, file, read.text);
}
