/**
 * Who is calling a function, as decided by authentication. ctx.db picks the database
 * role from this (`user` → RLS-enforced role with the claims set locally, `service`
 * → RLS-bypassing role), and ctx.user is `{ id: userId }` only for `user`.
 * The sandbox protocol carries the identical shape; keep the field names in step.
 */
export type Caller =
  | { kind: 'user'; userId: string; claims: Record<string, unknown> }
  | { kind: 'service' }
  | { kind: 'anonymous' };

export type UserCaller = Extract<Caller, { kind: 'user' }>;
