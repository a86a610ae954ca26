{{/* _helpers.tpl: names and labels shared by the templates of the app chart */}}

{{/*
app.fullname: the name of every object of the app. It is the Helm release
(<userId>-<projectName>, at most 53). A Service name must be an RFC 1035 label
(leading letter) and a user id may start with a digit, hence the "a-" prefix then.
*/}}
{{- define "app.fullname" -}}
{{- $name := .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- if regexMatch "^[a-z]" $name -}}
{{- $name -}}
{{- else -}}
{{- printf "a-%s" $name | trunc 53 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.app.project | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{- define "app.labels" -}}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
platform.io/workspace: {{ .Values.app.workspace | quote }}
platform.io/user: {{ .Values.app.user | quote }}
platform.io/project: {{ .Values.app.project | quote }}
{{- end -}}
