// The seed's hello handler served by Deno.serve, the server Supabase Edge Functions run on.
// Run by Deno (not Node): deno run --allow-net --allow-read bench/peers/deno-serve.js <handler.mjs>
const { handler } = await import(new URL(Deno.args[0], `file://${Deno.cwd()}/`).href);
const ctx = { env: {}, user: null, waitUntil() {} };
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen: ({ port }) =>
      console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/v1/bench/fn/hello` })),
  },
  (request) => handler(request, ctx),
);
