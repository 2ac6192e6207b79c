// create-user, reset-password, set-role: the users domain's own functions (createUser, updateUser) with the CLI
// operator as an administrator, so the rules and revocations are the API's.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createUser } from '../../users/create-user.js';
import { updateUser } from '../../users/update-user.js';
import { usernameSchema } from '../../users/username.js';
import { auditCli } from '../audit.js';
import { defineCommand, requireOption, stringOption, type CommandContext } from '../command.js';
import { EXIT, usageError } from '../exit-codes.js';
import { CLI_ACTOR, CLI_OPERATOR } from '../operator.js';
import { requireUser } from '../user-ref.js';

const roleSchema = z.enum(['ADMIN', 'USER']);

function parseRole(value: string | undefined): 'ADMIN' | 'USER' | undefined {
  if (value === undefined) return undefined;
  const role = roleSchema.safeParse(value.toUpperCase());
  if (!role.success) throw usageError('--role must be ADMIN or USER');
  return role.data;
}

/** 18 random bytes as base64url: 24 characters, 144 bits. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The password from stdin (first line, without its line ending), or a generated one to print once. */
async function newPassword(ctx: CommandContext): Promise<{ password: string; generated: boolean }> {
  if (ctx.options.stdin !== true) return { password: generatePassword(), generated: true };
  const password = (await ctx.io.readStdin()).split(/\r?\n/)[0] ?? '';
  if (password.length === 0) throw usageError('--stdin: standard input is empty');
  return { password, generated: false };
}

export const createUserCommand = defineCommand({
  name: 'create-user',
  summary: 'Create a user; prints a generated password once unless --stdin gives one.',
  options: {
    username: { type: 'string', value: 'NAME', required: true, description: 'the new username' },
    role: { type: 'string', value: 'ADMIN|USER', description: 'role (default USER)' },
    email: { type: 'string', value: 'EMAIL', description: 'email address' },
    'display-name': { type: 'string', value: 'TEXT', description: 'display name' },
    stdin: { type: 'boolean', description: 'read the password from standard input instead of generating one' },
  },
  async run(ctx) {
    const username = usernameSchema.safeParse(requireOption(ctx, 'username'));
    if (!username.success) throw usageError(`--username ${username.error.issues[0]?.message ?? 'is invalid'}`);
    const email = stringOption(ctx, 'email') ?? '';
    if (email !== '' && !z.email().safeParse(email).success) throw usageError('--email is not an email address');
    const role = parseRole(stringOption(ctx, 'role')) ?? 'USER';
    const { password, generated } = await newPassword(ctx);
    const deps = await ctx.deps();
    const user = await createUser(deps, CLI_OPERATOR, { username: username.data, password, email, displayName: stringOption(ctx, 'display-name') ?? '', role });
    await auditCli(deps, 'user.created', { subjectUserId: user.id, subject: user.username, detail: { role: user.role } });
    ctx.io.stdout(`created user ${user.username} (id ${user.id}, role ${user.role})\n`);
    if (generated) ctx.io.stdout(`password: ${password}\n`);
    return EXIT.OK;
  },
});

export const resetPasswordCommand = defineCommand({
  name: 'reset-password',
  summary: "Set a new password; ends every session and personal access token of the user, as the API's reset does.",
  help: 'Without --stdin a random password is generated and printed once; pass it on to the user over a safe channel.',
  options: {
    user: { type: 'string', value: 'USER', required: true, description: 'username or id' },
    stdin: { type: 'boolean', description: 'read the new password from standard input (first line)' },
  },
  async run(ctx) {
    const ref = requireOption(ctx, 'user');
    const { password, generated } = await newPassword(ctx);
    const deps = await ctx.deps();
    const target = await requireUser(deps, ref);
    await updateUser(deps, CLI_ACTOR, target, { password });
    await auditCli(deps, 'password.changed', { subjectUserId: target.id, subject: target.username });
    ctx.io.stdout(`password of ${target.username} reset; their sessions and personal access tokens are revoked\n`);
    if (generated) ctx.io.stdout(`password: ${password}\n`);
    return EXIT.OK;
  },
});

export const setRoleCommand = defineCommand({
  name: 'set-role',
  summary: 'Make a user ADMIN or USER (the last active admin cannot be demoted).',
  options: {
    user: { type: 'string', value: 'USER', required: true, description: 'username or id' },
    role: { type: 'string', value: 'ADMIN|USER', required: true, description: 'the new role' },
  },
  async run(ctx) {
    const ref = requireOption(ctx, 'user');
    const role = parseRole(requireOption(ctx, 'role'))!;
    const deps = await ctx.deps();
    const target = await requireUser(deps, ref);
    const updated = await updateUser(deps, CLI_ACTOR, target, { role });
    await auditCli(deps, 'user.updated', { subjectUserId: updated.id, subject: updated.username, detail: { fields: 'role' } });
    ctx.io.stdout(`${updated.username} is now ${updated.role}\n`);
    return EXIT.OK;
  },
});
