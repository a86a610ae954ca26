{{/* Names: <release>-platform cut to 63 characters minus the longest suffix we add. */}}
{{- define "platform.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "platform.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* selector labels of one component: include "platform.selector" (list . "api") */}}
{{- define "platform.selector" -}}
app.kubernetes.io/name: {{ (index . 0).Chart.Name }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "platform.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "platform.secretName" -}}
{{- .Values.existingSecret | default (include "platform.fullname" .) -}}
{{- end -}}

{{- define "platform.redisUrl" -}}
{{- if .Values.redis.enabled -}}
redis://{{ include "platform.fullname" . }}-redis:6379
{{- else -}}
{{- required "redis.url is required when redis.enabled is false" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/* The container security context every container gets. */}}
{{- define "platform.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* env of the platform's programs: plain settings, the secret, fixed wiring */}}
{{- define "platform.env" -}}
- name: PLATFORM_DOMAIN
  value: {{ .Values.appsDomain | quote }}
- name: PLATFORM_PUBLIC_URL
  value: {{ printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.host | quote }}
{{- range $k, $v := .Values.config }}
{{- if $v }}
- name: {{ printf "PLATFORM_%s" (upper $k) }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "platform.envFrom" -}}
- secretRef:
    name: {{ include "platform.secretName" . }}
{{- end -}}

{{- define "platform.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
