// Every CLI command, in the order `npm run admin -- --help` lists them.
import type { Command } from '../command.js';
import { backupCommand, restoreCommand } from './backup.js';
import { checkAccessCommand } from './check-access.js';
import { listKeysCommand, rotateKeyCommand } from './keys.js';
import { listPatsCommand, revokePatCommand } from './pats.js';
import { listSessionsCommand, revokeSessionsCommand } from './sessions.js';
import { unlockCommand } from './unlock.js';
import { createUserCommand, resetPasswordCommand, setRoleCommand } from './users.js';

export const COMMANDS: readonly Command[] = [
  createUserCommand,
  resetPasswordCommand,
  setRoleCommand,
  listSessionsCommand,
  revokeSessionsCommand,
  listPatsCommand,
  revokePatCommand,
  unlockCommand,
  rotateKeyCommand,
  listKeysCommand,
  backupCommand,
  restoreCommand,
  checkAccessCommand,
];
