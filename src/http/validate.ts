// zod at the edge: a request part that does not fit its schema is a 400 naming every offending field.
import { z } from 'zod';
import { invalidArgument } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const violations = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || what,
    description: issue.message,
  }));
  const first = violations[0];
  throw invalidArgument(first ? `invalid ${what}: ${first.field}: ${first.description}` : `invalid ${what}`, violations);
}

/** The body of an action that takes no parameters: absent or `{}`; anything else is a mistake worth a 400. */
export const noParameters = z.object({}).strict();
