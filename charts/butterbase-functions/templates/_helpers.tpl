{{- /* The chart's name, or nameOverride: the app.kubernetes.io/name label. */ -}}
{{- define "bbfn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- /*
The base of every object's name: fullnameOverride, else the release name when it already
holds the chart's name, else <release>-<name>. 52 characters leave room for the longest
suffix (-operator, -metrics) in a 63-character DNS label.
*/ -}}
{{- define "bbfn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "bbfn.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* The operator's Deployment, and the base of its RBAC objects' names. */ -}}
{{- define "bbfn.operatorName" -}}{{ include "bbfn.fullname" . }}-operator{{- end -}}

{{- /* Cluster-scoped objects carry the namespace too: one release name may be used in two namespaces. */ -}}
{{- define "bbfn.clusterRoleName" -}}{{ include "bbfn.operatorName" . }}-{{ .Release.Namespace }}{{- end -}}

{{- define "bbfn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bbfn.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- /* The Lease the replicas elect a leader with: one per release. */ -}}
{{- define "bbfn.leaseName" -}}{{ include "bbfn.operatorName" . }}{{- end -}}

{{- /*
The standard labels. Takes (dict "context" $ "component" "operator"): the component says
which part of the release an object belongs to (operator, api, crds, metrics).
*/ -}}
{{- define "bbfn.labels" -}}
{{ include "bbfn.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: butterbase-functions
helm.sh/chart: {{ printf "%s-%s" .context.Chart.Name .context.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- /* What selects a component's pods: never changes across upgrades (a Deployment's selector is immutable). */ -}}
{{- define "bbfn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bbfn.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bbfn.image" -}}{{ .image.repository }}:{{ .image.tag | default .appVersion }}{{- end -}}

{{- /* A PodDisruptionBudget when asked, or by default when more than one replica runs. */ -}}
{{- define "bbfn.pdbEnabled" -}}
{{- $enabled := .Values.podDisruptionBudget.enabled -}}
{{- if or (eq (toString $enabled) "true") (and (ne (toString $enabled) "false") (gt (int .Values.replicaCount) 1)) -}}true{{- end -}}
{{- end -}}
