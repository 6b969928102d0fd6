/**
 * The identity Traefik runs as on the e2e node: a client certificate for the user
 * TRAEFIK_USER (node-config.ts issues it, in no group), bound to a ClusterRole that holds
 * only what Traefik's Kubernetes Ingress provider reads, as Traefik's own RBAC reference
 * lists it for v3: a test harness's ingress controller holds no admin rights either.
 */
export const TRAEFIK_USER = 'bbfn-e2e-traefik';

export const TRAEFIK_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${TRAEFIK_USER}
rules:
  # Backends: a Service's ports, its EndpointSlices' addresses; TLS Secrets an Ingress names.
  - apiGroups: [""]
    resources: [services, secrets]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
  # Since v3.1 the provider also keeps a Node informer beside the IngressClass one (for
  # NodePort load balancing); only disableClusterScopeResources drops it, and that drops
  # IngressClasses too. Without this rule its caches never sync and it routes nothing.
  - apiGroups: [""]
    resources: [nodes]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses, ingressclasses]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses/status]
    verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${TRAEFIK_USER}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${TRAEFIK_USER} }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: ${TRAEFIK_USER} }
`;
