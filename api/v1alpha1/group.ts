/** The API group and version every manifest, CRD and client uses. */
export const API_GROUP = 'butterbase.ai';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
