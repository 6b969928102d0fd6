/**
 * The handler examples of the seed contract, verbatim (indentation as in the seed).
 * They must compile and load unchanged; `processEvent` is deliberately left undefined,
 * exactly as the seed leaves it: a free variable is a run-time matter, not a compile error.
 */
export const SEED_WEBHOOK_HANDLER = `export async function handler(req, ctx) {
const event = await req.json();
if (!(await ctx.idempotency.claim(event.id))) {
// Already processed — ack the retry without re-doing work.
return new Response('duplicate', { status: 200 });
}
await processEvent(event);
return new Response('ok', { status: 200 });
}`;

export const SEED_WAIT_UNTIL_HANDLER = `export async function handler(req, ctx) {
ctx.waitUntil(fetch("https://api.email.com/send", { method: "POST", body: "..." }));
return new Response(JSON.stringify({ accepted: true }), {
headers: { "Content-Type": "application/json" }
});
}`;

export const SEED_HELLO_HANDLER = `export async function handler(req, ctx) {
const data = { hello: "world" };
return new Response(JSON.stringify(data), {
status: 200,
headers: { "Content-Type": "application/json" }
});
}`;
