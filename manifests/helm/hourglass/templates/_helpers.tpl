{{/* Labels every object carries, as kubectl hourglass install sets them. */}}
{{- define "hourglass.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: hourglass
{{- end }}

{{- define "hourglass.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret the webhook pods mount. */}}
{{- define "hourglass.tlsSecret" -}}
{{- if eq .Values.certificates.mode "secret" -}}
{{ required "certificates.secret.secretName is required with certificates.mode=secret: the name of a kubernetes.io/tls Secret in the release namespace" .Values.certificates.secret.secretName }}
{{- else -}}
hourglass-webhook-tls
{{- end -}}
{{- end }}

{{- define "hourglass.checkMode" -}}
{{- if not (has .Values.certificates.mode (list "builtIn" "certManager" "secret")) -}}
{{ fail (printf "certificates.mode is %q: use builtIn, certManager or secret" .Values.certificates.mode) }}
{{- end -}}
{{- if not (has .Values.failurePolicy (list "Fail" "Ignore")) -}}
{{ fail (printf "failurePolicy is %q: use Fail or Ignore" .Values.failurePolicy) }}
{{- end -}}
{{- end }}

{{/* What both webhooks share after clientConfig: rules, selectors, conditions. */}}
{{- define "hourglass.webhookCommon" -}}
rules:
  # Not */status: status writes come from the operator and carry no spec change.
  - apiGroups: ["hourglass.eigenlayer.io"]
    apiVersions: ["v1alpha1"]
    resources: ["hourglassexecutors", "performers"]
    operations: ["CREATE", "UPDATE"]
    scope: Namespaced
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- range (append .Values.excludedNamespaces .Release.Namespace | uniq) }}
        - {{ . | quote }}
        {{- end }}
{{- if .Values.exemptionLabel.key }}
objectSelector:
  matchExpressions:
    - key: {{ .Values.exemptionLabel.key | quote }}
      operator: NotIn
      values: [{{ .Values.exemptionLabel.value | quote }}]
{{- end }}
{{- with .Values.matchConditions }}
matchConditions:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* caBundle (secret mode) or the cert-manager injection annotation. */}}
{{- define "hourglass.caBundle" -}}
{{- if eq .Values.certificates.mode "secret" }}
caBundle: {{ required "certificates.secret.caBundle is required with certificates.mode=secret: the PEM of the CA that signed the Secret's certificate" .Values.certificates.secret.caBundle | b64enc }}
{{- end }}
{{- end }}

{{/*
A webhook configuration's annotations. Takes (dict "root" $ "oneCall" bool):
oneCall marks the mutating configuration of one-call mode, as
`install --one-call` does, so that `doctor` tells it from break glass.
*/}}
{{- define "hourglass.webhookAnnotations" -}}
{{- $certManager := eq .root.Values.certificates.mode "certManager" }}
{{- if or $certManager .oneCall }}
annotations:
  {{- if $certManager }}
  cert-manager.io/inject-ca-from: {{ .root.Release.Namespace }}/hourglass-webhook
  {{- end }}
  {{- if .oneCall }}
  hourglass.eigenlayer.io/one-call: "true"
  {{- end }}
{{- end }}
{{- end }}
