// PasskeyRepository over Kysely (`user_passkey`). The counter moves in one conditional update.
import type { Kysely } from 'kysely';
import { sha256Hex } from '../../auth/secrets.js';
import type { NewPasskey, PasskeyRecord, PasskeyRepository } from '../../mfa/passkey.js';
import type { Database, UserPasskeyTable } from '../schema.js';
import { affected, isUniqueViolation } from './errors.js';

type Row = Omit<UserPasskeyTable, 'id'> & { id: number };

function toRecord(row: Row): PasskeyRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports === '' ? [] : row.transports.split(','),
    name: row.name,
    createdAt: new Date(Number(row.created_ts)),
    lastUsedAt: row.last_used_ts === null ? null : new Date(Number(row.last_used_ts)),
  };
}

export class SqlPasskeyRepository implements PasskeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(p: NewPasskey): Promise<PasskeyRecord | null> {
    try {
      await this.db
        .insertInto('user_passkey')
        .values({
          user_id: p.userId,
          credential_id: p.credentialId,
          credential_hash: sha256Hex(p.credentialId),
          public_key: p.publicKey,
          counter: p.counter,
          transports: p.transports.join(','),
          name: p.name,
          created_ts: p.createdAt.getTime(),
          last_used_ts: null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.findByCredentialId(p.credentialId);
  }

  async listByUser(userId: number): Promise<PasskeyRecord[]> {
    const rows = await this.db.selectFrom('user_passkey').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toRecord);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    const row = await this.db.selectFrom('user_passkey').selectAll().where('credential_hash', '=', sha256Hex(credentialId)).executeTakeFirst();
    return row && row.credential_id === credentialId ? toRecord(row) : null;
  }

  async recordUse(id: number, expectedCounter: number, newCounter: number, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('user_passkey')
      .set({ counter: newCounter, last_used_ts: at.getTime() })
      .where('id', '=', id)
      .where('counter', '=', expectedCounter)
      .executeTakeFirst();
    return affected(result) === 1;
  }

  async delete(userId: number, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('user_passkey').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return affected(result) > 0;
  }

  async deleteAllForUser(userId: number): Promise<void> {
    await this.db.deleteFrom('user_passkey').where('user_id', '=', userId).execute();
  }
}
