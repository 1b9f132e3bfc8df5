{{- define "todo-frontend.name" -}}todo-frontend{{- end }}
