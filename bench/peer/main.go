// The controller-runtime peer of bench-webhook: an admission webhook
// written the way a Go team would write it with controller-runtime's
// webhook server. The AdmissionReview is decoded by controller-runtime,
// the object by its admission.Decoder into a Go struct of the Performer,
// and the handler checks the AVS address and the gRPC port. Same TLS
// certificate, same loopback, HTTP/2 as controller-runtime serves it.
//
// It is a yardstick, not a second implementation of the rules: it checks
// two fields where ours checks every documented rule.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

var groupVersion = schema.GroupVersion{Group: "hourglass.eigenlayer.io", Version: "v1alpha1"}

// Performer is the Performer custom resource as a Go team would type it.
type Performer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PerformerSpec `json:"spec"`
}

type PerformerSpec struct {
	AvsAddress           string                       `json:"avsAddress"`
	Image                string                       `json:"image"`
	Version              string                       `json:"version,omitempty"`
	ExecutorRef          string                       `json:"executorRef,omitempty"`
	ImagePullPolicy      corev1.PullPolicy            `json:"imagePullPolicy,omitempty"`
	Config               *PerformerConfig             `json:"config,omitempty"`
	Resources            *corev1.ResourceRequirements `json:"resources,omitempty"`
	Scheduling           *Scheduling                  `json:"scheduling,omitempty"`
	HardwareRequirements *HardwareRequirements        `json:"hardwareRequirements,omitempty"`
	ImagePullSecrets     []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
}

type PerformerConfig struct {
	GrpcPort           int32             `json:"grpcPort,omitempty"`
	Environment        map[string]string `json:"environment,omitempty"`
	Args               []string          `json:"args,omitempty"`
	Command            []string          `json:"command,omitempty"`
	ServiceAccountName string            `json:"serviceAccountName,omitempty"`
}

type Scheduling struct {
	NodeSelector      map[string]string    `json:"nodeSelector,omitempty"`
	NodeAffinity      *corev1.NodeAffinity `json:"nodeAffinity,omitempty"`
	Tolerations       []corev1.Toleration  `json:"tolerations,omitempty"`
	RuntimeClass      *string              `json:"runtimeClass,omitempty"`
	Affinity          *corev1.Affinity     `json:"affinity,omitempty"`
	PriorityClassName string               `json:"priorityClassName,omitempty"`
}

type HardwareRequirements struct {
	GpuType      string            `json:"gpuType,omitempty"`
	GpuCount     int32             `json:"gpuCount,omitempty"`
	TeeRequired  bool              `json:"teeRequired,omitempty"`
	TeeType      string            `json:"teeType,omitempty"`
	CustomLabels map[string]string `json:"customLabels,omitempty"`
}

// DeepCopyObject is what controller-gen would generate; a Go team would
// not write it by hand, but the peer has no code generator.
func (p *Performer) DeepCopyObject() runtime.Object {
	out := *p
	p.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return &out
}

var address = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

type validator struct {
	decoder admission.Decoder
}

func (v *validator) Handle(_ context.Context, req admission.Request) admission.Response {
	var performer Performer
	if err := v.decoder.Decode(req, &performer); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if !address.MatchString(performer.Spec.AvsAddress) {
		return admission.Denied("spec.avsAddress must be 0x followed by 40 hexadecimal digits")
	}
	if c := performer.Spec.Config; c != nil && (c.GrpcPort < 0 || c.GrpcPort > 65535) {
		return admission.Denied("spec.config.grpcPort must be between 1 and 65535")
	}
	return admission.Allowed("")
}

func main() {
	port := flag.Int("port", 9443, "TLS port on 127.0.0.1")
	certDir := flag.String("cert-dir", "", "directory holding tls.crt and tls.key")
	flag.Parse()

	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(groupVersion, &Performer{})
	metav1.AddToGroupVersion(scheme, groupVersion)

	server := webhook.NewServer(webhook.Options{
		Host:    "127.0.0.1",
		Port:    *port,
		CertDir: *certDir,
	})
	server.Register("/validate", &webhook.Admission{Handler: &validator{decoder: admission.NewDecoder(scheme)}})
	if err := server.Start(ctrl.SetupSignalHandler()); err != nil {
		fmt.Fprintln(os.Stderr, "bench-peer:", err)
		os.Exit(1)
	}
}
