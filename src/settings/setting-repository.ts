// Instance-wide settings stored as JSON text under a name (Memos' `system_setting` table).
export interface SettingRepository {
  find(name: string): Promise<string | null>;
  /** Inserts unless a row with that name exists; true when this call inserted it (race-safe). */
  insertIfAbsent(name: string, value: string): Promise<boolean>;
  upsert(name: string, value: string): Promise<void>;
  /** Writes `next` only if the stored value is still `expected`; true when it did (optimistic concurrency). */
  compareAndSet(name: string, expected: string, next: string): Promise<boolean>;
}
