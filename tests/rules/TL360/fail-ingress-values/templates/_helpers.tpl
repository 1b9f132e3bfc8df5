{{/* Chart name, fixed by the data-model contract. */}}
{{- define "todo-backend.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object names follow the release name ({release-name} in the contract). */}}
{{- define "todo-backend.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo-backend.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: exactly name + instance, never anything that changes between upgrades. */}}
{{- define "todo-backend.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-backend.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The five standard labels of the contract (section 4.1). */}}
{{- define "todo-backend.labels" -}}
{{ include "todo-backend.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "todo-backend.chart" . }}
{{- end }}

{{/* The pre-created Secret every sensitive variable comes from. */}}
{{- define "todo-backend.secretName" -}}
{{ include "todo-backend.fullname" . }}-secrets
{{- end }}
