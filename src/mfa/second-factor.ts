// The storage second factors need: a user's TOTP (secret sealed by the SecretBox, pending until confirmed, the
// last time step used) and recovery codes (keyed hashes, each usable once). Implemented in store/sql/.
export interface TotpRecord {
  userId: number;
  /** The secret, sealed (SecretBox); never leaves the gateway after enrolment. */
  sealedSecret: string;
  state: 'PENDING' | 'ACTIVE';
  createdAt: Date;
  confirmedAt: Date | null;
  /** The newest time step accepted; codes of this step or older are refused (RFC 6238 §5.2). */
  lastUsedStep: number | null;
}

export interface SecondFactorRepository {
  findTotp(userId: number): Promise<TotpRecord | null>;
  /** Stores a pending secret, replacing an earlier pending one; false (nothing changed) when one is active. */
  putPendingTotp(userId: number, sealedSecret: string, at: Date): Promise<boolean>;
  /** Pending → active, recording the confirming step; false when there is no pending secret (raced, removed). */
  activateTotp(userId: number, step: number, at: Date): Promise<boolean>;
  /** Accepts `step` once: true only when it is newer than every step used before (one conditional update). */
  useTotpStep(userId: number, step: number): Promise<boolean>;
  deleteTotp(userId: number): Promise<boolean>;

  /** Replaces the user's recovery codes with these hashes (the old set stops working). */
  replaceRecoveryCodes(userId: number, codeHashes: string[], at: Date): Promise<void>;
  /** Marks one unused code used; true when this call used it (of concurrent callers, exactly one). */
  useRecoveryCode(userId: number, codeHash: string, at: Date): Promise<boolean>;
  countUnusedRecoveryCodes(userId: number): Promise<number>;
  deleteRecoveryCodes(userId: number): Promise<void>;
}
