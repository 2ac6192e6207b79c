// An identity provider as the gateway stores it (Memos' IdentityProvider with an OAuth2 config), and the
// storage interface the SSO domain needs for it. An `issuer` makes the provider OpenID Connect (discovery,
// ID-token checks); without it the provider is plain OAuth2 (GitHub) and uses the configured URLs.
export type IdpType = 'OAUTH2';

export interface FieldMapping {
  /** Claim naming the account; the link to a gateway user. Required. */
  identifier: string;
  displayName: string;
  email: string;
  avatarUrl: string;
  /** Claim proposed as the username at sign-up; '' = the identifier (Memos). Gateway extension. */
  username?: string;
  /** Claim path of the account's groups ('' = none): `groups`, `roles`, `realm_access.roles`. Gateway extension. */
  groups?: string;
}

/** '' = client_secret_post when the provider supports it, else client_secret_basic. */
export type TokenEndpointAuthMethod = '' | 'client_secret_basic' | 'client_secret_post';
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

export interface OAuth2Config {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  scopes: string[];
  fieldMapping: FieldMapping;
  /** OpenID Connect issuer for discovery; '' for plain OAuth2. Gateway extension. */
  issuer: string;
  /** Redirect URIs besides the instance's /auth/callback that `ssoCredentials` may name. Gateway extension. */
  redirectUris: string[];
  /** How the client authenticates at the token endpoint. Gateway extension. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /**
   * Sign-ins through this provider must also pass the gateway's own second factor (enrolled first when the
   * person has none), instead of counting the upstream's. Gateway extension; false when absent.
   */
  requireSecondFactor?: boolean;
  /** OpenID Connect: signing out at the gateway also ends the session at the provider (end_session_endpoint). */
  endSessionAtProvider?: boolean;
}

export interface IdentityProvider {
  id: number;
  uid: string;
  title: string;
  type: IdpType;
  identifierFilter: string;
  /** RE2 over the groups the provider sent: a person in none that matches is refused ('' = no filter). */
  groupFilter: string;
  config: OAuth2Config;
  createdAt: Date;
  updatedAt: Date;
}

export type NewIdentityProvider = Omit<IdentityProvider, 'id' | 'updatedAt' | 'groupFilter'> & { groupFilter?: string };

export type IdentityProviderPatch = Partial<Pick<IdentityProvider, 'title' | 'identifierFilter' | 'groupFilter' | 'config'>>;

export interface IdpRepository {
  /** All providers, in creation order. */
  list(): Promise<IdentityProvider[]>;
  findByUid(uid: string): Promise<IdentityProvider | null>;
  findById(id: number): Promise<IdentityProvider | null>;
  /** Throws AppError ALREADY_EXISTS when the uid is taken. */
  create(idp: NewIdentityProvider): Promise<IdentityProvider>;
  /** Returns the updated provider, or null when it does not exist. */
  update(uid: string, patch: IdentityProviderPatch, at: Date): Promise<IdentityProvider | null>;
  delete(uid: string): Promise<boolean>;
}
