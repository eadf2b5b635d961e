import { z } from 'zod';
import { agentIdSchema, ROLES } from '../store/index.js';
import { MAX_PASSWORD_LENGTH } from './password.js';

/** What accounts take as input; shared by the HTTP API and the CLI so both accept the same. */

/** Usernames are compared and kept lower-case. */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._@-]{1,63}$/,
    'expected 2 to 64 letters, digits, ., _, @ or -, beginning with a letter or digit',
  )
  .describe('Case does not matter: kept lower-case, e.g. "wang.xiaoming"');

/** The rules a new password must meet (length, not the username) are the service's: see WEAK_PASSWORD. */
export const passwordSchema = z.string().min(1).max(MAX_PASSWORD_LENGTH);

const roleSchema = z.enum(ROLES).describe('admin may do everything; other roles as each route states');

export const newAccountSchema = z.strictObject({
  username: usernameSchema,
  role: roleSchema,
  agentId: agentIdSchema
    .optional()
    .describe('The agent the person is: required for agent and team-leader, as their scope comes from it'),
  password: passwordSchema.describe('The first password'),
  mustChangePassword: z
    .boolean()
    .default(true)
    .describe('The person must choose a new password at first sign-in (the default)'),
});

export type NewAccountInput = z.input<typeof newAccountSchema>;

export const accountPatchSchema = z
  .strictObject({
    role: roleSchema,
    agentId: agentIdSchema.nullable().describe('null: no agent'),
    disabled: z.boolean().describe('true ends every session at once and refuses sign-in'),
  })
  .partial();
