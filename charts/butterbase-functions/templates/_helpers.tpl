{{- define "bbfn.name" -}}butterbase-functions-operator{{- end -}}

{{- /* The Lease the replicas elect a leader with (one per release namespace). */ -}}
{{- define "bbfn.leaseName" -}}butterbase-functions-operator{{- end -}}

{{- define "bbfn.labels" -}}
app.kubernetes.io/name: {{ include "bbfn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "bbfn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bbfn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "bbfn.image" -}}{{ .image.repository }}:{{ .image.tag | default .appVersion }}{{- end -}}
