// The user account as the domain sees it, and the storage interface the users domain needs.
export type Role = 'ADMIN' | 'USER';
export type UserState = 'NORMAL' | 'ARCHIVED';

export interface User {
  id: number;
  username: string;
  role: Role;
  state: UserState;
  email: string;
  displayName: string;
  avatarUrl: string;
  description: string;
  passwordHash: string;
  /** The username was assigned or locked by an admin: rules' userPattern matches only such names. */
  usernameLocked: boolean;
  /** The email was verified (provider's email_verified, or set by an admin); only then is it asserted to apps. */
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  username: string;
  role: Role;
  email: string;
  displayName: string;
  avatarUrl: string;
  description: string;
  passwordHash: string;
  /** Default false: a name or address nobody vouched for. */
  usernameLocked?: boolean;
  emailVerified?: boolean;
  createdAt: Date;
}

export type UserPatch = Partial<Pick<User, 'username' | 'role' | 'state' | 'email' | 'displayName' | 'avatarUrl' | 'description' | 'passwordHash' | 'usernameLocked' | 'emailVerified'>>;

export interface UserRepository {
  findById(id: number): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  /**
   * Throws AppError ALREADY_EXISTS when the username is taken regardless of letter case (reason USERNAME_TAKEN),
   * or the email is verified and already verified on another account (reason EMAIL_TAKEN).
   */
  create(user: NewUser): Promise<User>;
  count(): Promise<number>;
  /** Admins who can still sign in (role ADMIN, not archived). */
  countActiveAdmins(): Promise<number>;
  /**
   * The ids of the active admins, locked until the transaction ends (SELECT … FOR UPDATE on MySQL): call it
   * inside a transaction before a change that may remove an admin, so concurrent removals take turns.
   */
  lockActiveAdminIds(): Promise<number[]>;
  /** Users ordered by id, starting after `afterId`. */
  list(options: { afterId: number; limit: number }): Promise<User[]>;
  /** Returns the updated user, or null when it does not exist. Throws ALREADY_EXISTS as create does. */
  update(id: number, patch: UserPatch, at: Date): Promise<User | null>;
  delete(id: number): Promise<boolean>;
}
