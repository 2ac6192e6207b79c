// The forward-auth decision for one nginx subrequest: a target a `public` rule covers passes with no credential
// read; otherwise who is calling (bearer access token or PAT, else the
// sso_session cookie; the refresh cookie is never a credential here), then whether the access rules let them
// reach the original URL. deps.ts builds one per gateway (its caches listen to revocation events), with the access
// rules loaded at start.
import type { EventEmitter } from 'node:events';
import { parseBearer, PAT_PREFIX, type PatAuthenticator } from '../auth/authenticate.js';
import type { KeyRing } from '../auth/keys.js';
import { isBasicScheme, parseBasic } from '../auth/basic-credentials.js';
import type { Regulator } from '../auth/regulation.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { GatewayEvents } from '../events.js';
import { checkReturnUrl } from '../http/return-url.js';
import type { Store } from '../store/store.js';
import { AccessTokenCheck } from './access-token-check.js';
import type { AccessRules } from './access-rules.js';
import { isAllowed, isAllowedWithoutTarget, isPublic } from './access-policy.js';
import { findCookie } from './cookie-value.js';
import type { Identity } from './identity.js';
import type { TargetParse } from './original-request.js';
import { PatCheck } from './pat-check.js';
import { SessionCheck } from './session-check.js';
import { SSO_COOKIE } from '../http/cookies.js';
import type { Metrics, VerifyDecisionLabel } from '../metrics/metrics.js';
import type { UpstreamAssertions } from '../upstream-identity/upstream-assertion.js';

/** Longest wait for one database/Redis lookup before the answer is 503 (nginx then denies). */
const LOOKUP_TIMEOUT_MS = 3000;
const BEARER_SCHEME = /^bearer(?:[ \t]|$)/i;

export interface VerifyInput {
  authorization: string | undefined;
  cookie: string | undefined;
  /** A browser navigation (Accept has text/html, not XHR): a 401 then carries the sign-in URL. */
  wantsHtml: boolean;
  /** The original request, parsed only when the peer is a trusted proxy (else `absent`). */
  target: TargetParse;
  /** The client's address (the trusted proxy's X-Forwarded-For/X-Real-IP, else the peer): Basic failures count on it. */
  clientIp?: string | undefined;
}

export type DenialReason = 'no-credentials' | 'invalid-bearer' | 'invalid-basic' | 'invalid-session' | 'rule-denied' | 'unjudgeable-target';

export type VerifyDecision =
  | { kind: 'allow'; identity: Identity; /** [header, JWT] of the signed upstream identity, when it is on. */ assertion?: readonly [string, string] }
  /** A `public` rule: no credential read, no identity headers. */
  | { kind: 'public' }
  | { kind: 'bad-request'; reason: DenialReason }
  | { kind: 'unauthenticated'; reason: DenialReason; invalidBearer: boolean; signInUrl: string | null; basic?: boolean }
  | { kind: 'forbidden'; reason: DenialReason; username: string };

const DECISION_LABELS: Readonly<Record<VerifyDecision['kind'], VerifyDecisionLabel>> = {
  allow: 'allow',
  public: 'allow',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  'bad-request': 'bad_request',
};

/** What the decision reads: the credentials' stores, the clock, revocation events, and where sign-in is. */
export interface ForwardAuthDeps {
  config: Pick<Config, 'instanceUrl' | 'instanceOrigin' | 'allowedRedirectHosts'>;
  clock: Clock;
  keys: KeyRing;
  store: Pick<Store, 'sessions' | 'groups'>;
  pats: PatAuthenticator;
  events: EventEmitter<GatewayEvents>;
  metrics: Metrics;
  /** Basic auth failures are counted like guessed PATs (auth/regulation.ts). */
  regulation: Pick<Regulator, 'assertTokenAttemptAllowed' | 'recordTokenFailure'>;
  /** The signed upstream identity (upstream-identity/); absent or null: off. */
  assertions?: UpstreamAssertions | null;
}

export class ForwardAuth {
  private readonly tokens: AccessTokenCheck;
  private readonly sessions: SessionCheck;
  private readonly pats: PatCheck;
  private readonly signInPage: string;
  private readonly metrics: Metrics;
  /** Whether any rule is `public`: only then is a target judged before the credential. */
  private readonly hasPublic: boolean;

  constructor(
    private readonly deps: ForwardAuthDeps,
    readonly rules: AccessRules,
  ) {
    this.metrics = deps.metrics;
    this.tokens = new AccessTokenCheck(deps.keys, deps.store.sessions, LOOKUP_TIMEOUT_MS, {
      tokens: deps.metrics.cache('access_token'),
      sessions: deps.metrics.cache('access_token_session'),
    });
    this.sessions = new SessionCheck(deps.store, LOOKUP_TIMEOUT_MS, deps.metrics.cache('session_cookie'));
    this.pats = new PatCheck(deps.pats, (userId) => deps.store.groups.listEffective(userId), LOOKUP_TIMEOUT_MS, deps.metrics.cache('pat'));
    this.hasPublic = rules.rules.some((r) => r.effect === 'allow' && r.allow === 'public');
    this.signInPage = `${deps.config.instanceUrl}/auth`;
    deps.events.on('sessions-revoked', (ids) => {
      this.sessions.forgetSessions(ids);
      this.tokens.forgetSessions(ids);
    });
    deps.events.on('pats-revoked', (_userId, tokenIds) => this.pats.forgetTokens(tokenIds));
    deps.events.on('user-changed', (userId) => {
      this.tokens.forgetUser(userId, deps.clock.now().getTime());
      this.sessions.forgetUser(userId);
      this.pats.forgetUser(userId);
    });
    deps.events.on('groups-changed', (userId) => {
      this.tokens.forgetGroupsOf(userId);
      this.sessions.forgetUser(userId);
      this.pats.forgetUser(userId);
    });
    deps.events.on('keys-rotated', () => {
      this.tokens.forgetAll();
      // Another process rotated: read the ring now rather than at the next periodic reload.
      deps.keys.reload(deps.clock.now()).then(
        () => this.tokens.forgetAll(),
        () => {},
      );
    });
    deps.events.on('caches-stale', () => this.forgetAll());
  }

  /** Every verify cache starts over (the relay may have missed a revocation). */
  forgetAll(): void {
    this.tokens.forgetAll();
    this.sessions.forgetAll();
    this.pats.forgetAll();
  }

  /** The decision for one request, counted (gateway_verify_requests_total) and timed (…_duration_seconds). */
  async decide(input: VerifyInput): Promise<VerifyDecision> {
    const started = performance.now();
    try {
      const decision = await this.withAssertion(await this.judge(input), input.target);
      this.metrics.verified(DECISION_LABELS[decision.kind], (performance.now() - started) / 1000);
      return decision;
    } catch (err) {
      this.metrics.verified('error', (performance.now() - started) / 1000);
      throw err;
    }
  }

  /**
   * The decision without a promise when the credential's cache entry is fresh (the common case: nginx asks for
   * every request of a signed-in user), counted like decide(); null when a lookup or a verification is needed.
   * Only an identity already proven valid is taken from a cache; every other outcome goes through judge().
   */
  decideCached(input: VerifyInput): VerifyDecision | null {
    // A public target is answered without identity headers, whoever asks: judge() decides it.
    if (this.hasPublic && input.target.kind === 'ok' && isPublic(this.rules, input.target.target)) return null;
    const started = performance.now();
    const now = this.deps.clock.now().getTime();
    const authorization = input.authorization;
    let identity: Identity | undefined;
    if (authorization !== undefined && !BEARER_SCHEME.test(authorization)) return null; // Basic and others: judge()
    if (authorization !== undefined) {
      const bearer = parseBearer(authorization);
      if (bearer.kind !== 'token') return null;
      identity = bearer.token.startsWith(PAT_PREFIX) ? this.pats.peek(bearer.token, now) : this.tokens.peek(bearer.token, now);
    } else {
      const ssoToken = input.cookie === undefined ? null : findCookie(input.cookie, SSO_COOKIE);
      if (ssoToken !== null) identity = this.sessions.peek(ssoToken, now);
    }
    if (identity === undefined) return null;
    let decision = this.authorize(identity, input.target);
    // With the signed identity on, only an assertion already cached keeps this path synchronous.
    const assertions = this.deps.assertions;
    if (assertions != null && decision.kind === 'allow' && input.target.kind === 'ok') {
      const jwt = assertions.peek(identity, input.target.target.hostname, now);
      if (jwt === undefined) return null;
      decision = { ...decision, assertion: [assertions.headerName, jwt] };
    }
    this.metrics.verified(DECISION_LABELS[decision.kind], (performance.now() - started) / 1000);
    return decision;
  }

  /** An allowed answer for a known target gains the signed identity for that host (`aud`), when it is on. */
  private async withAssertion(decision: VerifyDecision, target: TargetParse): Promise<VerifyDecision> {
    const assertions = this.deps.assertions;
    if (assertions == null || decision.kind !== 'allow' || target.kind !== 'ok') return decision;
    const jwt = await assertions.assertionFor(decision.identity, target.target.hostname);
    return { ...decision, assertion: [assertions.headerName, jwt] };
  }

  /** A request refused before any decision (two Authorization headers): counted as a bad request. */
  countBadRequest(): void {
    this.metrics.verified('bad_request', 0);
  }

  private async judge(input: VerifyInput): Promise<VerifyDecision> {
    if (this.hasPublic && input.target.kind === 'ok' && isPublic(this.rules, input.target.target)) return { kind: 'public' };
    const now = this.deps.clock.now().getTime();
    const authorization = input.authorization;
    let identity: Identity | null = null;
    if (isBasicScheme(authorization)) {
      identity = await this.checkBasic(authorization!, input.clientIp, now);
      if (identity === null) return { kind: 'unauthenticated', reason: 'invalid-basic', invalidBearer: false, signInUrl: null, basic: true };
    } else if (authorization !== undefined && BEARER_SCHEME.test(authorization)) {
      // A bearer that is present but bad is a 401 even beside a good cookie: never a silent fallback (DESIGN §5).
      const bearer = parseBearer(authorization);
      if (bearer.kind === 'token') {
        identity = bearer.token.startsWith(PAT_PREFIX)
          ? await this.pats.check(bearer.token, now)
          : await this.tokens.check(bearer.token, now);
      }
      if (identity === null) return { kind: 'unauthenticated', reason: 'invalid-bearer', invalidBearer: true, signInUrl: null };
    } else {
      // Other schemes (not Bearer, not Basic) are the app's business; the session cookie decides.
      const ssoToken = input.cookie === undefined ? null : findCookie(input.cookie, SSO_COOKIE);
      if (ssoToken !== null) identity = await this.sessions.check(ssoToken, now);
      if (identity === null) {
        return {
          kind: 'unauthenticated',
          reason: ssoToken === null ? 'no-credentials' : 'invalid-session',
          invalidBearer: false,
          signInUrl: input.wantsHtml ? this.signInUrl(input.target) : null,
        };
      }
    }
    return this.authorize(identity, input.target);
  }

  /** Basic username:PAT: the ban is checked first, and every miss (a password, a foreign or revoked PAT) counts. */
  private async checkBasic(authorization: string, clientIp: string | undefined, now: number): Promise<Identity | null> {
    const basic = parseBasic(authorization);
    await this.deps.regulation.assertTokenAttemptAllowed(clientIp);
    const identity = basic.kind === 'pat' ? await this.pats.check(basic.token, now) : null;
    if (basic.kind === 'pat' && identity !== null && identity.username === basic.username) return identity;
    await this.deps.regulation.recordTokenFailure(clientIp);
    return null;
  }

  private authorize(identity: Identity, target: TargetParse): VerifyDecision {
    switch (target.kind) {
      case 'ok':
        return isAllowed(this.rules, identity, target.target)
          ? { kind: 'allow', identity }
          : { kind: 'forbidden', reason: 'rule-denied', username: identity.username };
      case 'absent':
        return isAllowedWithoutTarget(this.rules)
          ? { kind: 'allow', identity }
          : { kind: 'forbidden', reason: 'unjudgeable-target', username: identity.username };
      case 'invalid':
      // Two descriptions of the target that differ: one of them is a client's; neither is judged (fail closed).
      case 'conflict':
        return { kind: 'forbidden', reason: 'unjudgeable-target', username: identity.username };
    }
  }

  /** `<instance>/auth?redirect=<original URL>` when that URL passes the one return-URL check, else `/auth`. */
  private signInUrl(target: TargetParse): string {
    if (target.kind !== 'ok') return this.signInPage;
    const back = checkReturnUrl(this.deps.config, target.target.url);
    return back === null ? this.signInPage : `${this.signInPage}?redirect=${encodeURIComponent(back)}`;
  }
}
