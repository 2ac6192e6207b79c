// Access decisions: the first rule whose host and path prefix match the request decides; no match → the file's
// default. Prefixes match whole segments (`/admin` covers `/admin` and `/admin/x`, not `/administrator`).
// nginx routes paths case-sensitively but many apps behind it (Express among them) do not, so a request is
// judged twice, once as written and once lower-cased, and passes only if both pass: neither kind of app can be
// reached around a rule by changing letter case (security catalogue H.79).
import type { AccessRules, CompiledRule, Verdict } from './access-rules.js';
import type { OriginalTarget } from './original-request.js';

export interface Subject {
  userId: number;
  username: string;
  role: string;
  /** Only a name an admin assigned or locked can match a userPattern: nobody gains access by choosing a name. */
  usernameLocked: boolean;
}

function hostMatches(rule: CompiledRule, target: OriginalTarget): boolean {
  const h = rule.host;
  switch (h.kind) {
    case 'any':
      return true;
    case 'domain':
      return target.hostname === h.name || target.hostname.endsWith(`.${h.name}`);
    case 'exact':
      return target.hostname === h.name && (h.port === null || h.port === target.port);
  }
}

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */);
}

/** The rule that decides `target`, comparing paths as written (`folded` false) or lower-cased. */
export function findDecidingRule(rules: AccessRules, target: OriginalTarget, folded: boolean): CompiledRule | null {
  const path = folded ? target.path.toLowerCase() : target.path;
  for (const rule of rules.rules) {
    if (hostMatches(rule, target) && prefixMatches(folded ? rule.pathLower : rule.path, path)) return rule;
  }
  return null;
}

function permits(allow: CompiledRule['allow'] | Verdict, subject: Subject): boolean {
  if (allow === 'any') return true;
  if (allow === 'none') return false;
  return (
    allow.roles.has(subject.role) ||
    allow.userIds.has(subject.userId) ||
    (allow.userPattern !== null && subject.usernameLocked && allow.userPattern.matches(subject.username))
  );
}

/** True when `subject` may reach `target`. */
export function isAllowed(rules: AccessRules, subject: Subject, target: OriginalTarget): boolean {
  if (rules.rules.length === 0) return rules.fallback === 'any';
  const asWritten = findDecidingRule(rules, target, false);
  if (!permits(asWritten?.allow ?? rules.fallback, subject)) return false;
  const folded = findDecidingRule(rules, target, true);
  return folded === asWritten || permits(folded?.allow ?? rules.fallback, subject);
}

/** Without a believable target only a rule-free configuration can allow: nothing else can be judged. */
export function isAllowedWithoutTarget(rules: AccessRules): boolean {
  return rules.rules.length === 0 && rules.fallback === 'any';
}

/** One judgement of explainAccess: the rule that decided (null: the file's default) and why it did what it did. */
export interface AccessStep {
  /** Compared lower-cased (the second judgement, see the header). */
  folded: boolean;
  rule: CompiledRule | null;
  permitted: boolean;
  because: string;
}

export interface AccessExplanation {
  allowed: boolean;
  steps: AccessStep[];
}

function describeHost(rule: CompiledRule): string {
  const h = rule.host;
  if (h.kind === 'any') return '*';
  if (h.kind === 'domain') return `.${h.name}`;
  return h.port === null ? h.name : `${h.name}:${h.port}`;
}

/** `rule 2 "Deployment tools" (host app.example.test, path /ops)`, or `the default`. */
export function describeRule(rule: CompiledRule | null, rules: AccessRules): string {
  if (rule === null) return rules.rules.length === 0 ? 'no access rules (every signed-in user)' : `the default ("${rules.fallback}"), no rule matched`;
  const name = rule.comment === null ? '' : ` "${rule.comment}"`;
  return `rule ${rule.index}${name} (host ${describeHost(rule)}, path ${rule.path})`;
}

function reason(allow: CompiledRule['allow'] | Verdict, subject: Subject): string {
  if (allow === 'any') return 'allows every signed-in user';
  if (allow === 'none') return 'allows nobody';
  if (allow.roles.has(subject.role)) return `allows role ${subject.role}`;
  if (allow.userIds.has(subject.userId)) return `lists user users/${subject.userId}`;
  if (allow.userPattern !== null && allow.userPattern.matches(subject.username)) {
    if (subject.usernameLocked) return `userPattern ${allow.userPattern.pattern()} matches ${subject.username}`;
    return `userPattern ${allow.userPattern.pattern()} matches ${subject.username}, but that username is not locked by an admin`;
  }
  const named = [
    allow.roles.size > 0 ? `roles ${[...allow.roles].join(', ')}` : '',
    allow.userIds.size > 0 ? `${allow.userIds.size} listed user(s)` : '',
    allow.userPattern !== null ? `userPattern ${allow.userPattern.pattern()}` : '',
  ].filter(Boolean);
  return `allows only ${named.join(' or ')}; ${subject.username} (${subject.role}) is none of them`;
}

/** The same decision as isAllowed, with the rule(s) that made it and why: for operators (check-access). */
export function explainAccess(rules: AccessRules, subject: Subject, target: OriginalTarget): AccessExplanation {
  const step = (rule: CompiledRule | null, folded: boolean): AccessStep => {
    const allow = rule?.allow ?? rules.fallback;
    return { folded, rule, permitted: permits(allow, subject), because: reason(allow, subject) };
  };
  if (rules.rules.length === 0) {
    const only = step(null, false);
    return { allowed: only.permitted, steps: [only] };
  }
  const asWritten = step(findDecidingRule(rules, target, false), false);
  if (!asWritten.permitted) return { allowed: false, steps: [asWritten] };
  const foldedRule = findDecidingRule(rules, target, true);
  if (foldedRule === asWritten.rule) return { allowed: true, steps: [asWritten] };
  const folded = step(foldedRule, true);
  return { allowed: folded.permitted, steps: [asWritten, folded] };
}
