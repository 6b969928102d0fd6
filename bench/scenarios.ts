/** What both sides of a comparison serve, defined once. */
export const HELLO_BODY = JSON.stringify({ hello: 'world' });

/** The seed's hello-world example, verbatim. */
export { SEED_HELLO_HANDLER as HELLO_HANDLER } from '../runtime-image/src/compile/seed-examples.fixture.ts';

export const BENCH_QUERY = 'SELECT id, title FROM bench_todos WHERE owner_id = $1 ORDER BY id LIMIT 10';

/** The same query through ctx.db, RLS-scoped to the caller instead of a WHERE on a parameter. */
export const DB_HANDLER = `export async function handler(req, ctx) {
const result = await ctx.db.query(${JSON.stringify(BENCH_QUERY)}, [ctx.user.id]);
return new Response(JSON.stringify(result.rows), { headers: { "Content-Type": "application/json" } });
}`;

export const BENCH_SCHEMA = `
CREATE TABLE IF NOT EXISTS bench_todos (id serial primary key, owner_id text not null, title text not null);
ALTER TABLE bench_todos ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own ON bench_todos;
CREATE POLICY own ON bench_todos USING (owner_id = butterbase.user_id());
TRUNCATE bench_todos;
INSERT INTO bench_todos (owner_id, title) SELECT 'user-' || (i % 100), 'todo ' || i FROM generate_series(1, 10000) i;
-- Statistics now rather than whenever autovacuum gets to them: with them the planner reads
-- the primary key until 10 rows match (~0.3 ms of backend CPU a query), without them it
-- scans and sorts the whole table (~0.9 ms), and a switch midway made rounds incomparable.
ANALYZE bench_todos;
`;
