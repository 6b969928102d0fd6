import { z } from 'zod';
import { appSpecSchema } from '../v1alpha1/app.types.ts';
import { functionSpecSchema } from '../v1alpha1/function.types.ts';
import { API_GROUP, API_VERSION } from '../v1alpha1/group.ts';
import { appStatusSchema, functionStatusSchema } from '../v1alpha1/status.types.ts';
import { type JsonSchema, type StructuralSchema, toStructural } from './structural-schema.ts';

/**
 * A CRD as YAML and the API server spell it. Not the client library's model type: that
 * one renames fields (`enum` is `_enum` there) and would drop ours when it serializes.
 */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: { name: string; type: string; jsonPath: string; priority?: number }[];
      schema: { openAPIV3Schema: StructuralSchema };
    }[];
  };
}

/**
 * The CustomResourceDefinitions of the API, made from its zod schemas (api/v1alpha1):
 * the same rules the operator and the local platform parse with, as far as an API
 * server can check them. `npm run crds` writes them to crds/; a test fails when
 * the files and the schemas drift apart.
 */
export function customResourceDefinitions(): CustomResourceDefinition[] {
  return [
    definition({
      kind: 'App',
      plural: 'apps',
      shortNames: [],
      spec: appSpecSchema,
      status: appStatusSchema,
      columns: [
        { name: 'App ID', type: 'string', jsonPath: '.spec.appId' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'Migrations', type: 'integer', jsonPath: '.status.migrationsApplied' },
      ],
    }),
    definition({
      kind: 'Function',
      plural: 'functions',
      shortNames: ['fn'],
      spec: functionSpecSchema,
      status: functionStatusSchema,
      // zod's superRefine, which JSON Schema cannot say: a branch's field that depends on another.
      rules: [{ path: ['trigger'], ...GENERIC_HMAC_RULE }],
      // What `kubectl get fn` shows: where it answers and whether it does (the Ready
      // condition, as kstatus and `kubectl wait --for=condition=Ready` read it).
      columns: [
        { name: 'URL', type: 'string', jsonPath: '.status.url' },
        { name: 'Status', type: 'string', jsonPath: '.status.status' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'App ID', type: 'string', jsonPath: '.spec.appId', priority: 1 },
        { name: 'Trigger', type: 'string', jsonPath: '.spec.trigger.type', priority: 1 },
        {
          name: 'Reason',
          type: 'string',
          jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
          priority: 1,
        },
      ],
    }),
  ];
}

interface Definition {
  kind: string;
  plural: string;
  shortNames: string[];
  spec: z.ZodType;
  status: z.ZodType;
  columns: { name: string; type: string; jsonPath: string; priority?: number }[];
  /** CEL rules added to the spec's object at `path` (property names from the spec). */
  rules?: { path: string[]; rule: string; message: string }[];
}

const GENERIC_HMAC_RULE = {
  rule: "!(self.type == 'webhook' && has(self.config) && has(self.config.provider) && self.config.provider == 'generic-hmac') || has(self.config.hmac)",
  message: 'config.hmac is required when config.provider is generic-hmac',
};

/** The name rule of a function URL segment (and of an App's), which Kubernetes names are looser than. */
const NAME_RULE = {
  rule: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
  message: 'metadata.name must be a DNS label: at most 63 lowercase letters, digits and "-"',
};

function definition(d: Definition): CustomResourceDefinition {
  const schema: StructuralSchema = {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: withRules(structural(d.spec), d.rules ?? []),
      status: structural(d.status),
    },
    'x-kubernetes-validations': [NAME_RULE],
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.kind.toLowerCase(),
        ...(d.shortNames.length > 0 ? { shortNames: d.shortNames } : {}),
        categories: ['butterbase'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...d.columns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

function withRules(spec: StructuralSchema, rules: NonNullable<Definition['rules']>): StructuralSchema {
  for (const { path, rule, message } of rules) {
    let at = spec;
    for (const name of path) {
      const next = at.properties?.[name];
      if (!next) throw new Error(`No property ${path.join('.')} to hold the rule "${message}"`);
      at = next;
    }
    at['x-kubernetes-validations'] = [...(at['x-kubernetes-validations'] ?? []), { rule, message }];
  }
  return spec;
}

function structural(schema: z.ZodType): StructuralSchema {
  // The input side: what a manifest may leave out is what defaults fill in.
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return toStructural(json);
}
