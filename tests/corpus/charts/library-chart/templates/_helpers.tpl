{{- define "library-chart.name" -}}lib{{- end -}}
