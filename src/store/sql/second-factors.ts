// SecondFactorRepository over Kysely (`user_totp`, `user_recovery_code`). Single use is a conditional update.
import type { Kysely } from 'kysely';
import type { SecondFactorRepository, TotpRecord } from '../../mfa/second-factor.js';
import type { Database } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

const toDate = (v: number | null) => (v === null ? null : new Date(Number(v)));

export class SqlSecondFactorRepository implements SecondFactorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findTotp(userId: number): Promise<TotpRecord | null> {
    const row = await this.db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!row) return null;
    return {
      userId: Number(row.user_id),
      sealedSecret: row.sealed_secret,
      state: row.state === 'ACTIVE' ? 'ACTIVE' : 'PENDING',
      createdAt: new Date(Number(row.created_ts)),
      confirmedAt: toDate(row.confirmed_ts),
      lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    };
  }

  async putPendingTotp(userId: number, sealedSecret: string, at: Date): Promise<boolean> {
    await this.db.deleteFrom('user_totp').where('user_id', '=', userId).where('state', '=', 'PENDING').execute();
    try {
      await this.db
        .insertInto('user_totp')
        .values({ user_id: userId, sealed_secret: sealedSecret, state: 'PENDING', created_ts: at.getTime(), confirmed_ts: null, last_used_step: null })
        .execute();
      return true;
    } catch (err) {
      // The primary key is the user: an active TOTP (or a pending one stored by a concurrent call) is there.
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async activateTotp(userId: number, step: number, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('user_totp')
      .set({ state: 'ACTIVE', confirmed_ts: at.getTime(), created_ts: at.getTime(), last_used_step: step })
      .where('user_id', '=', userId)
      .where('state', '=', 'PENDING')
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async useTotpStep(userId: number, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('user_totp')
      .set({ last_used_step: step })
      .where('user_id', '=', userId)
      .where('state', '=', 'ACTIVE')
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async deleteTotp(userId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('user_totp').where('user_id', '=', userId).executeTakeFirst();
    return affected(result) > 0;
  }

  async replaceRecoveryCodes(userId: number, codeHashes: string[], at: Date): Promise<void> {
    await this.db.deleteFrom('user_recovery_code').where('user_id', '=', userId).execute();
    if (codeHashes.length === 0) return;
    await this.db
      .insertInto('user_recovery_code')
      .values(codeHashes.map((h) => ({ user_id: userId, code_hash: h, created_ts: at.getTime(), used_ts: null })))
      .execute();
  }

  async useRecoveryCode(userId: number, codeHash: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('user_recovery_code')
      .set({ used_ts: at.getTime() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_ts', 'is', null)
      .executeTakeFirst();
    return affected(result) >= 1;
  }

  async countUnusedRecoveryCodes(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('user_recovery_code')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('user_id', '=', userId)
      .where('used_ts', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteRecoveryCodes(userId: number): Promise<void> {
    await this.db.deleteFrom('user_recovery_code').where('user_id', '=', userId).execute();
  }
}
