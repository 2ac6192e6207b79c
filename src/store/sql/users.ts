// UserRepository over Kysely (MySQL or SQLite).
import type { Kysely, Selectable, Updateable } from 'kysely';
import { AppError } from '../../errors.js';
import type { NewUser, Role, User, UserPatch, UserRepository, UserState } from '../../users/user.js';
import type { DatabaseKind } from '../migrations/index.js';
import type { Database, UserTable } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

export function toUser(row: Selectable<UserTable>): User {
  return {
    id: Number(row.id),
    username: row.username,
    role: row.role as Role,
    state: row.row_status as UserState,
    email: row.email,
    displayName: row.nickname,
    avatarUrl: row.avatar_url,
    description: row.description,
    passwordHash: row.password_hash,
    usernameLocked: Number(row.username_locked) === 1,
    emailVerified: Number(row.email_verified) === 1,
    createdAt: new Date(Number(row.created_ts)),
    updatedAt: new Date(Number(row.updated_ts)),
  };
}

/** Which unique key a duplicate hit: the verified email's, or the username's (either case). */
function duplicateError(err: unknown, username: string | undefined): AppError {
  const message = err instanceof Error ? err.message : '';
  if (/verified_email/.test(message)) {
    return new AppError('ALREADY_EXISTS', 'this email address is already verified on another account', { reason: 'EMAIL_TAKEN' });
  }
  return new AppError('ALREADY_EXISTS', `user "${username ?? ''}" already exists (usernames are unique regardless of letter case)`, { reason: 'USERNAME_TAKEN' });
}

export class SqlUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: DatabaseKind,
  ) {}

  async findById(id: number): Promise<User | null> {
    const row = await this.db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    const row = await this.db.selectFrom('user').selectAll().where('username', '=', username).executeTakeFirst();
    // MySQL/MariaDB PAD SPACE collations match 'alice ' to 'alice'; the name must be exactly the stored one.
    return row && row.username === username ? toUser(row) : null;
  }

  async create(user: NewUser): Promise<User> {
    const ts = user.createdAt.getTime();
    try {
      const result = await this.db
        .insertInto('user')
        .values({
          username: user.username,
          role: user.role,
          row_status: 'NORMAL',
          email: user.email,
          nickname: user.displayName,
          password_hash: user.passwordHash,
          avatar_url: user.avatarUrl,
          description: user.description,
          username_locked: user.usernameLocked ? 1 : 0,
          email_verified: user.emailVerified ? 1 : 0,
          created_ts: ts,
          updated_ts: ts,
        })
        .executeTakeFirstOrThrow();
      const id = Number(result.insertId);
      return { ...user, id, state: 'NORMAL', usernameLocked: user.usernameLocked ?? false, emailVerified: user.emailVerified ?? false, updatedAt: user.createdAt };
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateError(err, user.username);
      throw err;
    }
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('user').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('user')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('role', '=', 'ADMIN')
      .where('row_status', '=', 'NORMAL')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async lockActiveAdminIds(): Promise<number[]> {
    // FOR UPDATE: the rows are locked until the transaction ends and read as last committed, so two
    // transactions that each remove an admin see each other's change (no write skew on REPEATABLE READ).
    // SQLite has no row locks and needs none: its writers run one at a time.
    const rows = await this.db
      .selectFrom('user')
      .select('id')
      .where('role', '=', 'ADMIN')
      .where('row_status', '=', 'NORMAL')
      .orderBy('id')
      .$if(this.kind === 'mysql', (q) => q.forUpdate())
      .execute();
    return rows.map((r) => Number(r.id));
  }

  async list(options: { afterId: number; limit: number }): Promise<User[]> {
    const rows = await this.db
      .selectFrom('user')
      .selectAll()
      .where('id', '>', options.afterId)
      .orderBy('id')
      .limit(options.limit)
      .execute();
    return rows.map(toUser);
  }

  async update(id: number, patch: UserPatch, at: Date): Promise<User | null> {
    const values: Updateable<UserTable> = { updated_ts: at.getTime() };
    if (patch.username !== undefined) values.username = patch.username;
    if (patch.role !== undefined) values.role = patch.role;
    if (patch.state !== undefined) values.row_status = patch.state;
    if (patch.email !== undefined) values.email = patch.email;
    if (patch.displayName !== undefined) values.nickname = patch.displayName;
    if (patch.avatarUrl !== undefined) values.avatar_url = patch.avatarUrl;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    if (patch.usernameLocked !== undefined) values.username_locked = patch.usernameLocked ? 1 : 0;
    if (patch.emailVerified !== undefined) values.email_verified = patch.emailVerified ? 1 : 0;
    try {
      await this.db.updateTable('user').set(values).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateError(err, patch.username);
      throw err;
    }
    return this.findById(id);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('user').where('id', '=', id).executeTakeFirst();
    return affected(result) > 0;
  }
}
