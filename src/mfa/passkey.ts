// The storage passkeys need: one row per WebAuthn credential (credential id, COSE public key, signature counter,
// transports, a name the person chose, created and last used). Implemented in store/sql/passkeys.ts.
export interface PasskeyRecord {
  id: number;
  userId: number;
  /** The credential id, base64url (WebAuthn §6.1), as the authenticator returns it. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (WebAuthn §6.1.1); 0 for authenticators that do not count. */
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<PasskeyRecord, 'id' | 'lastUsedAt'>;

export interface PasskeyRepository {
  /** Stores a new credential; null when that credential id is already registered (to anyone). */
  create(passkey: NewPasskey): Promise<PasskeyRecord | null>;
  listByUser(userId: number): Promise<PasskeyRecord[]>;
  findByCredentialId(credentialId: string): Promise<PasskeyRecord | null>;
  /**
   * Records a use: the counter moves from `expectedCounter` to `newCounter` in one conditional update, so of two
   * concurrent assertions with the same counter only one is accepted; false when the row changed meanwhile.
   */
  recordUse(id: number, expectedCounter: number, newCounter: number, at: Date): Promise<boolean>;
  /** Removes one of the user's passkeys; false when the user has no passkey with that id. */
  delete(userId: number, id: number): Promise<boolean>;
  deleteAllForUser(userId: number): Promise<void>;
}
