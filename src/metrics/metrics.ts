// What the gateway counts, as a narrow interface the domain calls (sign-ins, refreshes, bans, /auth/verify
// decisions, forward-auth cache lookups). Label values come only from the fixed sets below: never a username,
// an address or a token. `noMetrics` does nothing (metrics off, unit tests); prometheus-metrics.ts exports them.

export const SIGN_IN_METHODS = ['password', 'sso', 'passkey', 'totp'] as const;
export const SIGN_IN_RESULTS = ['success', 'failure', 'banned'] as const;
export const REFRESH_RESULTS = ['success', 'failure', 'reuse_detected', 'banned'] as const;
/** Regulation's keys: an account, a client address (sign-ins), a client address guessing tokens. */
export const BAN_KINDS = ['user', 'ip', 'token_ip'] as const;
export const VERIFY_DECISIONS = ['allow', 'unauthenticated', 'forbidden', 'bad_request', 'error'] as const;
/** The bounded caches of /auth/verify (forward-auth/*-check.ts). */
export const VERIFY_CACHES = ['access_token', 'access_token_session', 'session_cookie', 'pat'] as const;

/** The OpenID Provider's protocol endpoints (oidc-provider/provider.ts maps its paths onto these). */
export const OIDC_ENDPOINTS = ['discovery', 'jwks', 'authorization', 'token', 'userinfo', 'introspection', 'revocation', 'end_session', 'other'] as const;
/** success: answered; error: an OAuth error for the caller (4xx, or a redirect carrying error=); server_error: 5xx. */
export const OIDC_OUTCOMES = ['success', 'error', 'server_error'] as const;

export type SignInMethod = (typeof SIGN_IN_METHODS)[number];
export type SignInResult = (typeof SIGN_IN_RESULTS)[number];
export type RefreshResult = (typeof REFRESH_RESULTS)[number];
export type BanKind = (typeof BAN_KINDS)[number];
export type VerifyDecisionLabel = (typeof VERIFY_DECISIONS)[number];
export type VerifyCacheName = (typeof VERIFY_CACHES)[number];
export type OidcEndpoint = (typeof OIDC_ENDPOINTS)[number];
export type OidcOutcome = (typeof OIDC_OUTCOMES)[number];

/** Hit/miss counting for one cache; find() calls exactly one of them. */
export interface CacheMeter {
  hit(): void;
  miss(): void;
}

export interface Metrics {
  /** One /auth/verify answer and how long deciding it took, in seconds. */
  verified(decision: VerifyDecisionLabel, seconds: number): void;
  signIn(method: SignInMethod, result: SignInResult): void;
  refresh(result: RefreshResult): void;
  /** A regulation key turned from counting into a ban. */
  banned(kind: BanKind): void;
  /** The meter of one forward-auth cache (fetched once, when the cache is built). */
  cache(name: VerifyCacheName): CacheMeter;
  /** One answer of the OpenID Provider's protocol endpoints. */
  oidcRequest(endpoint: OidcEndpoint, outcome: OidcOutcome): void;
}

export const NO_CACHE_METER: CacheMeter = { hit() {}, miss() {} };

export const noMetrics: Metrics = {
  verified() {},
  signIn() {},
  refresh() {},
  banned() {},
  cache: () => NO_CACHE_METER,
  oidcRequest() {},
};
