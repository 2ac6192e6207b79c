// Access decisions. Rules are read top to bottom, and only those whose host and path prefix match the request
// count: a `deny` rule refuses the people it names (and lets everyone else go on), the first `allow` rule decides
// (`public`: anyone, with no credential read; `any`; `none`; or the people it names); no allow rule → the file's
// default. Prefixes match whole segments (`/admin` covers `/admin` and `/admin/x`, not `/administrator`).
// nginx routes paths case-sensitively but many apps behind it (Express among them) do not, so a request is
// judged twice, once as written and once lower-cased, and passes only if both pass: neither kind of app can be
// reached around a rule by changing letter case (security catalogue H.79). The same holds for `public`.
import type { AccessRules, CompiledRule, SubjectList, Verdict } from './access-rules.js';
import type { OriginalTarget } from './original-request.js';

export interface Subject {
  userId: number;
  username: string;
  role: string;
  /** Only a name an admin assigned or locked can match a userPattern: nobody gains access by choosing a name. */
  usernameLocked: boolean;
  /** The effective groups (local ∪ upstream); none when left out. */
  groups?: ReadonlySet<string>;
}

const NO_GROUPS: ReadonlySet<string> = new Set();
const groupsOf = (subject: Subject): ReadonlySet<string> => subject.groups ?? NO_GROUPS;

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

function hasAnyGroup(list: SubjectList, groups: ReadonlySet<string>): boolean {
  if (list.groups.size === 0 || groups.size === 0) return false;
  const [small, large] = list.groups.size < groups.size ? [list.groups, groups] : [groups, list.groups];
  for (const g of small) if (large.has(g)) return true;
  return false;
}

function names(list: SubjectList, subject: Subject): boolean {
  return (
    list.roles.has(subject.role) ||
    list.userIds.has(subject.userId) ||
    (list.userPattern !== null && subject.usernameLocked && list.userPattern.matches(subject.username)) ||
    hasAnyGroup(list, groupsOf(subject))
  );
}

function permits(allow: CompiledRule['allow'], subject: Subject | null): boolean {
  if (allow === 'public') return true;
  if (subject === null) return false;
  if (allow === 'any') return true;
  if (allow === 'none') return false;
  return names(allow, subject);
}

/** One judgement: the rule that decided (null: the file's default), and whether it let the subject through. */
interface Judgement {
  rule: CompiledRule | null;
  permitted: boolean;
}

/** Walks the rules for `target` (paths as written, or lower-cased when `folded`); `subject` null = no credential. */
function judge(rules: AccessRules, subject: Subject | null, target: OriginalTarget, folded: boolean): Judgement {
  const path = folded ? target.path.toLowerCase() : target.path;
  for (const rule of rules.rules) {
    if (!hostMatches(rule, target) || !prefixMatches(folded ? rule.pathLower : rule.path, path)) continue;
    if (rule.effect === 'deny') {
      // An anonymous caller is nobody a deny rule can name: it goes on (and reaches only a public rule).
      if (subject !== null && (rule.allow === 'any' || (typeof rule.allow === 'object' && names(rule.allow, subject)))) {
        return { rule, permitted: false };
      }
      continue;
    }
    return { rule, permitted: permits(rule.allow, subject) };
  }
  return { rule: null, permitted: subject !== null && rules.fallback === 'any' };
}

/** The rule that decides `target` for `subject` (null: the default), comparing paths as written or lower-cased. */
export function findDecidingRule(rules: AccessRules, target: OriginalTarget, folded: boolean, subject: Subject | null = null): CompiledRule | null {
  return judge(rules, subject, target, folded).rule;
}

/** True when a `public` rule lets anyone reach `target`, in both letter cases: no credential is read then. */
export function isPublic(rules: AccessRules, target: OriginalTarget): boolean {
  if (rules.rules.length === 0) return false;
  return judge(rules, null, target, false).permitted && judge(rules, null, target, true).permitted;
}

/** True when `subject` may reach `target`. */
export function isAllowed(rules: AccessRules, subject: Subject, target: OriginalTarget): boolean {
  if (rules.rules.length === 0) return rules.fallback === 'any';
  const asWritten = judge(rules, subject, target, false);
  if (!asWritten.permitted) return false;
  return judge(rules, subject, target, true).permitted;
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

function firstSharedGroup(list: SubjectList, subject: Subject): string | undefined {
  return [...list.groups].find((g) => groupsOf(subject).has(g));
}

function reason(rule: CompiledRule | null, allow: CompiledRule['allow'] | Verdict, subject: Subject): string {
  if (rule?.effect === 'deny') {
    if (typeof allow !== 'object') return 'denies every signed-in user';
    if (allow.roles.has(subject.role)) return `denies role ${subject.role}`;
    if (allow.userIds.has(subject.userId)) return `denies user users/${subject.userId}`;
    const group = firstSharedGroup(allow, subject);
    return group !== undefined ? `denies group ${group}` : `denies userPattern ${allow.userPattern?.pattern() ?? ''} (matches ${subject.username})`;
  }
  if (allow === 'public') return 'is public (no credential needed)';
  if (allow === 'any') return 'allows every signed-in user';
  if (allow === 'none') return 'allows nobody';
  if (allow.roles.has(subject.role)) return `allows role ${subject.role}`;
  if (allow.userIds.has(subject.userId)) return `lists user users/${subject.userId}`;
  const group = firstSharedGroup(allow, subject);
  if (group !== undefined) return `allows group ${group}`;
  if (allow.userPattern !== null && allow.userPattern.matches(subject.username)) {
    if (subject.usernameLocked) return `userPattern ${allow.userPattern.pattern()} matches ${subject.username}`;
    return `userPattern ${allow.userPattern.pattern()} matches ${subject.username}, but that username is not locked by an admin`;
  }
  const named = [
    allow.roles.size > 0 ? `roles ${[...allow.roles].join(', ')}` : '',
    allow.userIds.size > 0 ? `${allow.userIds.size} listed user(s)` : '',
    allow.userPattern !== null ? `userPattern ${allow.userPattern.pattern()}` : '',
    allow.groups.size > 0 ? `groups ${[...allow.groups].join(', ')}` : '',
  ].filter(Boolean);
  return `allows only ${named.join(' or ')}; ${subject.username} (${subject.role}) is none of them`;
}

/** The same decision as isAllowed, with the rule(s) that made it and why: for operators (check-access). */
export function explainAccess(rules: AccessRules, subject: Subject, target: OriginalTarget): AccessExplanation {
  const step = (folded: boolean): AccessStep => {
    const { rule, permitted } = judge(rules, subject, target, folded);
    return { folded, rule, permitted, because: reason(rule, rule?.allow ?? rules.fallback, subject) };
  };
  if (rules.rules.length === 0) {
    const only = { folded: false, rule: null, permitted: rules.fallback === 'any', because: reason(null, rules.fallback, subject) };
    return { allowed: only.permitted, steps: [only] };
  }
  const asWritten = step(false);
  if (!asWritten.permitted) return { allowed: false, steps: [asWritten] };
  const folded = step(true);
  if (folded.rule === asWritten.rule) return { allowed: true, steps: [asWritten] };
  return { allowed: folded.permitted, steps: [asWritten, folded] };
}
