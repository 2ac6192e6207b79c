// SettingRepository over Kysely (`system_setting`).
import type { Kysely } from 'kysely';
import type { SettingRepository } from '../../settings/setting-repository.js';
import type { Database } from '../schema.js';
import { isUniqueViolation } from './errors.js';

export class SqlSettingRepository implements SettingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(name: string): Promise<string | null> {
    const row = await this.db.selectFrom('system_setting').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value ?? null;
  }

  async insertIfAbsent(name: string, value: string): Promise<boolean> {
    try {
      await this.db.insertInto('system_setting').values({ name, value, description: '' }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async compareAndSet(name: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('system_setting')
      .set({ value: next })
      .where('name', '=', name)
      .where('value', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async upsert(name: string, value: string): Promise<void> {
    const updated = await this.db.updateTable('system_setting').set({ value }).where('name', '=', name).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    if (!(await this.insertIfAbsent(name, value))) {
      // Lost a race with another writer between the update and the insert: write over it.
      await this.db.updateTable('system_setting').set({ value }).where('name', '=', name).execute();
    }
  }
}
