/**
 * The seed's deploy_function example input, verbatim (its code is the seed's placeholder,
 * which does not compile: suites fill it in where they deploy it for real).
 */
export const SEED_DEPLOY_INPUT = {
  app_id: 'app_abc123',
  name: 'send-welcome-email',
  code: 'export async function handler(req, ctx) { ... }',
  trigger: {
    type: 'http',
    config: { method: 'POST', path: '/welcome', auth: 'required' },
  },
};

/** The seed's MCP tools, by name, as a server lists them (sorted). */
export const SEED_TOOL_NAMES = ['deploy_function', 'invoke_function', 'manage_function'];
