/**
 * Who is calling a function, as decided by authentication. ctx.db picks the database
 * role from this (`user` → RLS-enforced role with the claims set locally, `service`
 * → RLS-bypassing role), and ctx.user is `{ id: userId }` only for `user`.
 * ctx.db and the sandbox protocol import this type; it is plain data so it crosses threads.
 */
export type Caller =
  | { kind: 'user'; userId: string; claims: Record<string, unknown> }
  | { kind: 'service' }
  | { kind: 'anonymous' };

export type UserCaller = Extract<Caller, { kind: 'user' }>;
