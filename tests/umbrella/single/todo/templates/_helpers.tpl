{{/* Labels of one app: call with (dict "ctx" $ "app" "todo-backend") */}}
{{- define "todo.labels" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ .ctx.Chart.Name }}-{{ .ctx.Chart.Version }}
{{- end }}
