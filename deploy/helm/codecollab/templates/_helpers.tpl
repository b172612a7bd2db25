{{/* Names, labels and shared snippets of the CodeCollab chart. */}}

{{- define "codecollab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name; component names append -serve / -worker, so keep room for them. */}}
{{- define "codecollab.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "codecollab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object; pass (dict "root" $ "component" "serve"). */}}
{{- define "codecollab.labels" -}}
helm.sh/chart: {{ include "codecollab.chart" .root }}
{{ include "codecollab.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: codecollab
{{- end }}

{{/* Selector labels: immutable once a Deployment exists, so nothing that changes goes here. */}}
{{- define "codecollab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "codecollab.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "codecollab.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the database URL, and its key. */}}
{{- define "codecollab.databaseSecretName" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else }}
{{- printf "%s-database" (include "codecollab.fullname" .) }}
{{- end }}
{{- end }}

{{- define "codecollab.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecretKey }}
{{- else -}}
database-url
{{- end }}
{{- end }}

{{/* Environment common to both roles: the ConfigMap, and the database URL from its Secret. */}}
{{- define "codecollab.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "codecollab.fullname" . }}-config
env:
  - name: CODECOLLAB_DATABASE_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "codecollab.databaseSecretName" . }}
        key: {{ include "codecollab.databaseSecretKey" . }}
{{- if .Values.auth.oidc.issuer }}
  - name: CODECOLLAB_OIDC_CLIENT_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ .Values.auth.oidc.existingSecret }}
        key: {{ .Values.auth.oidc.existingSecretKey }}
{{- end }}
{{- end }}

{{/* Pod annotations: config checksum (a changed ConfigMap rolls the pods) and scraping. */}}
{{- define "codecollab.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* An HTTP GET probe; pass (dict "path" "/healthz" "port" "http" "period" 10 "failures" 3). */}}
{{- define "codecollab.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
periodSeconds: {{ .period }}
timeoutSeconds: 3
failureThreshold: {{ .failures }}
{{- end }}
