package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// reservedNames are folder names under out/<env>/ that belong to the tree
// itself ("argocd", "platform"), or names of the tree's own objects
// ("root": the root Application), so no app may take them.
var reservedNames = []AppName{"argocd", "platform", "root"}

// Problem is one thing wrong with a definition.
type Problem struct {
	Env     string  // the environment, empty when the problem is in every one
	App     AppName // the app, empty for a problem with an environment
	Source  Source  // where the app is defined
	Field   string  // the field, as a path into the Spec: "ports[1].name"
	Message string
}

// World is every app's Spec in one environment: what a definition may refer to.
type World struct {
	Env   Env
	Apps  []App
	Specs map[AppName]Spec
	// prometheus is the first app that runs each team's Prometheus;
	// Resolve fills it.
	prometheus map[string]AppName
}

// PrometheusOf returns the platform app that runs the team's Prometheus in
// the environment, if one does.
func (w World) PrometheusOf(team string) (AppName, bool) {
	if w.prometheus == nil {
		w.indexPrometheus() // a World built by hand
	}
	a, ok := w.prometheus[team]
	return a, ok
}

// indexPrometheus records the first app that runs each team's Prometheus.
func (w *World) indexPrometheus() {
	w.prometheus = map[string]AppName{}
	for _, a := range w.Apps {
		if p, ok := w.Specs[a.Name].Workload.(Prometheus); ok {
			if _, seen := w.prometheus[p.Team]; !seen {
				w.prometheus[p.Team] = a.Name
			}
		}
	}
}

// Resolve calls every app's Spec function for env. A Spec function that
// panics is reported as a problem, not passed on.
func Resolve(env Env, apps []App) (World, []Problem) {
	w := World{Env: env, Apps: apps, Specs: make(map[AppName]Spec, len(apps))}
	var probs []Problem
	for _, a := range apps {
		if a.Spec == nil {
			continue // reported by ValidateApps
		}
		spec, err := callSpec(a, env)
		if err != nil {
			probs = append(probs, Problem{Env: env.Name, App: a.Name, Source: a.Source, Field: "Spec", Message: err.Error()})
			continue
		}
		w.Specs[a.Name] = spec
	}
	w.indexPrometheus()
	return w, probs
}

func callSpec(a App, env Env) (spec Spec, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the Spec function panicked: %v", r)
		}
	}()
	return a.Spec(env), nil
}

// ValidateEnvs checks the environments themselves.
func ValidateEnvs(envs []Env) []Problem {
	var probs []Problem
	seen := map[string]bool{}
	for _, e := range envs {
		bad := func(field, format string, args ...any) {
			probs = append(probs, Problem{Env: e.Name, Source: e.Source, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if errs := validation.IsDNS1035Label(e.Name); len(errs) > 0 {
			bad("Name", "%q is not a DNS-1035 label: %s", e.Name, strings.Join(errs, "; "))
		}
		if seen[e.Name] {
			bad("Name", "environment %q is defined twice", e.Name)
		}
		seen[e.Name] = true
		if !kubeVersion.MatchString(e.Kubernetes) {
			bad("Kubernetes", "%q is not a Kubernetes version such as 1.37.2", e.Kubernetes)
		}
		if e.SecretStore == "" {
			bad("SecretStore", "is required: the ClusterSecretStore that secret references read from")
		}
		if e.Cluster.Server == "" {
			bad("Cluster.Server", "is required: the API server Argo CD deploys to")
		}
		if e.Cluster.Name == "" {
			bad("Cluster.Name", "is required")
		}
		if !principal.MatchString(e.Ingress.Principal) {
			bad("Ingress.Principal", "%q is not a mesh principal cluster.local/ns/<namespace>/sa/<service account>", e.Ingress.Principal)
		}
		if !principal.MatchString(e.Monitoring.Principal) {
			bad("Monitoring.Principal", "%q is not a mesh principal cluster.local/ns/<namespace>/sa/<service account>", e.Monitoring.Principal)
		}
		if !strings.HasPrefix(e.Monitoring.CertDir, "/") {
			bad("Monitoring.CertDir", "%q must be an absolute path", e.Monitoring.CertDir)
		}
		if e.Monitoring.KubeletJob == "" {
			bad("Monitoring.KubeletJob", "is required: the default alerts read cAdvisor metrics from it")
		}
		if e.Monitoring.KubeStateMetricsJob == "" {
			bad("Monitoring.KubeStateMetricsJob", "is required: the default alerts read kube-state-metrics from it")
		}
		if e.GitOps.RepoURL == "" {
			bad("GitOps.RepoURL", "is required")
		}
		switch e.GitOps.Revision {
		case "":
			bad("GitOps.Revision", "is required: the branch or tag Argo CD follows")
		case "HEAD":
			bad("GitOps.Revision", "HEAD follows whatever the repository's default branch is: name a branch or tag")
		}
		if e.GitOps.Path == "" || strings.HasPrefix(e.GitOps.Path, "/") {
			bad("GitOps.Path", "%q must be the tree's folder relative to the repository root, \"out\"", e.GitOps.Path)
		}
		if errs := validation.IsDNS1123Label(e.GitOps.Namespace); len(errs) > 0 {
			bad("GitOps.Namespace", "%q is not a namespace: %s", e.GitOps.Namespace, strings.Join(errs, "; "))
		}
		if e.GitOps.Server == "" {
			bad("GitOps.Server", "is required: the API server Argo CD runs in")
		}
		if !strings.HasPrefix(e.RunbookURL, "https://") {
			bad("RunbookURL", "%q must be an https URL", e.RunbookURL)
		}
		for i, id := range e.Identities {
			if !principal.MatchString(id) {
				bad(fmt.Sprintf("Identities[%d]", i), "%q is not a mesh principal cluster.local/ns/<namespace>/sa/<service account>", id)
			}
		}
		if t := e.Tracing; t != nil {
			if errs := validation.IsDNS1123Subdomain(t.Provider); len(errs) > 0 {
				bad("Tracing.Provider", "%q is not the name of a mesh extension provider: %s", t.Provider, strings.Join(errs, "; "))
			}
			if t.Sampling < 0 || t.Sampling > 100 {
				bad("Tracing.Sampling", "%g is not a percentage 0..100", t.Sampling)
			}
		}
	}
	return probs
}

// ValidateApps checks what does not depend on the environment: names,
// teams, and that each app has a Spec function.
func ValidateApps(apps []App) []Problem {
	var probs []Problem
	seen := map[AppName]bool{}
	platformTeam := ""
	for _, a := range apps {
		bad := func(field, format string, args ...any) {
			probs = append(probs, Problem{App: a.Name, Source: a.Source, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if errs := validation.IsDNS1035Label(string(a.Name)); len(errs) > 0 {
			bad("Name", "%q is not a DNS-1035 label: %s", a.Name, strings.Join(errs, "; "))
		}
		for _, r := range reservedNames {
			if a.Name == r {
				bad("Name", "%q is reserved for the tree's own folder out/<env>/%s", a.Name, r)
			}
		}
		if seen[a.Name] {
			bad("Name", "app %q is defined twice", a.Name)
		}
		seen[a.Name] = true
		if errs := validation.IsDNS1123Label(a.Team); len(errs) > 0 {
			bad("Team", "%q is not a DNS-1123 label: %s", a.Team, strings.Join(errs, "; "))
		}
		if a.Spec == nil {
			bad("Spec", "is required: a function from the environment to the app's settings")
		}
		if a.Platform {
			if platformTeam == "" {
				platformTeam = a.Team
			} else if a.Team != platformTeam {
				bad("Team", "%q: every platform component belongs to one team (%q), whose project the platform Application deploys with", a.Team, platformTeam)
			}
		}
	}
	return probs
}

var (
	kubeVersion = regexp.MustCompile(`^1\.[0-9]+\.[0-9]+$`)
	imageRepo   = regexp.MustCompile(`^[a-z0-9]+([._-]+[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$`)
	imageTag    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	imageDigest = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	envVarName  = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)
	principal   = regexp.MustCompile(`^cluster\.local/ns/[a-z0-9]([-a-z0-9]*[a-z0-9])?/sa/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`)
	alertName   = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	httpMethod  = regexp.MustCompile(`^[A-Z]+$`)
	headerName  = regexp.MustCompile(`^[a-z0-9][-a-z0-9]*$`)
	ruleID      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// specChecker collects the problems of one app in one environment.
type specChecker struct {
	app   App
	env   string
	probs []Problem
}

func (c *specChecker) bad(field, format string, args ...any) {
	c.probs = append(c.probs, Problem{Env: c.env, App: c.app.Name, Source: c.app.Source, Field: field, Message: fmt.Sprintf(format, args...)})
}

// ValidateSpec checks the app's Spec in one environment, with the other
// apps of that environment for references. Every problem is returned.
func ValidateSpec(w World, a App) []Problem {
	s, ok := w.Specs[a.Name]
	if !ok {
		return nil
	}
	c := &specChecker{app: a, env: w.Env.Name}
	c.image(s.Image)
	ports := c.ports(s.Ports)
	c.resources(s.Resources)
	if _, operated := s.Workload.(Prometheus); !Batch(s.Workload) && !operated {
		c.probes(s.Probes, ports)
	}
	c.clusterAccess(s)
	c.shutdown(s.Shutdown)
	c.spread(s.Spread)
	secrets := c.secrets(s.Secrets)
	c.config(s.Config)
	c.vars(w, s, secrets)
	c.scaling(s)
	c.workload(s)
	if p, ok := s.Workload.(Prometheus); ok {
		if first, _ := w.PrometheusOf(p.Team); first != a.Name {
			c.bad("Workload.Team", "team %q already has its Prometheus, app %q", p.Team, first)
		}
	}
	c.verticalScaling(s)
	c.disruption(s.Disruption)
	c.ingress(s.Ingress, ports)
	c.canary(s)
	c.callers(w, s)
	c.metrics(s.Metrics, ports)
	c.traffic(s.Traffic)
	c.alerts(s)
	c.dependencies(s.Dependencies, secrets)
	for i, sup := range s.Suppress {
		f := fmt.Sprintf("Suppress[%d]", i)
		if !ruleID.MatchString(sup.Rule) {
			c.bad(f+".Rule", "%q is not a rule ID", sup.Rule)
		}
		if strings.TrimSpace(sup.Reason) == "" {
			c.bad(f+".Reason", "is required: say why the rule does not apply")
		}
	}
	if s.RunAsUser < 0 {
		c.bad("RunAsUser", "must not be negative")
	}
	return c.probs
}

func (c *specChecker) image(i Image) {
	switch {
	case i.Repository == "":
		c.bad("Image.Repository", "is required")
	case !imageRepo.MatchString(i.Repository):
		c.bad("Image.Repository", "%q is not an image repository (lowercase, no tag or digest)", i.Repository)
	}
	switch {
	case i.Tag == "" && i.Digest == "":
		c.bad("Image", "needs a tag or a digest: an unpinned image changes under the same manifest")
	case i.Tag == "latest":
		c.bad("Image.Tag", `"latest" is not a version: pin a tag or a digest`)
	case i.Tag != "" && !imageTag.MatchString(i.Tag):
		c.bad("Image.Tag", "%q is not a valid image tag", i.Tag)
	}
	if i.Digest != "" && !imageDigest.MatchString(i.Digest) {
		c.bad("Image.Digest", "%q is not a digest of the form sha256:<64 hex digits>", i.Digest)
	}
}

// ports checks the ports and returns them by name.
func (c *specChecker) ports(ports []Port) map[string]Port {
	byName := map[string]Port{}
	numbers := map[int32]string{}
	for i, p := range ports {
		f := fmt.Sprintf("Ports[%d]", i)
		if errs := validation.IsValidPortName(p.Name); len(errs) > 0 {
			c.bad(f+".Name", "%q is not a port name: %s", p.Name, strings.Join(errs, "; "))
		}
		if _, dup := byName[p.Name]; dup {
			c.bad(f+".Name", "port name %q is used twice", p.Name)
		}
		byName[p.Name] = p
		if errs := validation.IsValidPortNum(int(p.Container)); len(errs) > 0 {
			c.bad(f+".Container", "%d: %s", p.Container, strings.Join(errs, "; "))
		}
		if other, dup := numbers[p.Container]; dup {
			c.bad(f+".Container", "port %d is already declared as %q", p.Container, other)
		}
		numbers[p.Container] = p.Name
		if p.Service != 0 {
			if errs := validation.IsValidPortNum(int(p.Service)); len(errs) > 0 {
				c.bad(f+".Service", "%d: %s", p.Service, strings.Join(errs, "; "))
			}
		}
		switch p.Protocol {
		case "", HTTP, HTTP2, GRPC, TCP:
		default:
			c.bad(f+".Protocol", "%q is not one of http, http2, grpc, tcp", p.Protocol)
		}
	}
	return byName
}

func (c *specChecker) resources(r Resources) {
	req := c.quantity("Resources.Requests.CPU", r.Requests.CPU)
	c.quantity("Resources.Limits.CPU", r.Limits.CPU)
	reqMem := c.quantity("Resources.Requests.Memory", r.Requests.Memory)
	c.quantity("Resources.Limits.Memory", r.Limits.Memory)
	if r.Requests.CPU == "" {
		c.bad("Resources.Requests.CPU", "is required: the scheduler and autoscaler need it")
	}
	if r.Requests.Memory == "" {
		c.bad("Resources.Requests.Memory", "is required: the scheduler and autoscaler need it")
	}
	if r.Limits.Memory == "" {
		c.bad("Resources.Limits.Memory", "is required: a container without a memory limit can exhaust its node")
	}
	if req != nil && r.Limits.CPU != "" {
		if lim, err := resource.ParseQuantity(r.Limits.CPU); err == nil && lim.Cmp(*req) < 0 {
			c.bad("Resources.Limits.CPU", "%s is less than the request %s", r.Limits.CPU, r.Requests.CPU)
		}
	}
	if reqMem != nil && r.Limits.Memory != "" {
		if lim, err := resource.ParseQuantity(r.Limits.Memory); err == nil && lim.Cmp(*reqMem) < 0 {
			c.bad("Resources.Limits.Memory", "%s is less than the request %s", r.Limits.Memory, r.Requests.Memory)
		}
	}
}

// quantity parses a resource quantity, reporting a bad one; it returns nil
// for an empty or bad value.
func (c *specChecker) quantity(field, v string) *resource.Quantity {
	if v == "" {
		return nil
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		c.bad(field, "%q is not a quantity: %v", v, err)
		return nil
	}
	if q.Sign() <= 0 {
		c.bad(field, "%q must be positive", v)
		return nil
	}
	return &q
}

func (c *specChecker) probes(p Probes, ports map[string]Port) {
	if p.Readiness == nil {
		c.bad("Probes.Readiness", "is required: without it traffic reaches pods that are not ready")
	}
	if p.Liveness == nil {
		c.bad("Probes.Liveness", "is required: without it a hung process is never restarted")
	}
	for _, pr := range []struct {
		field string
		p     *Probe
	}{{"Probes.Liveness", p.Liveness}, {"Probes.Readiness", p.Readiness}, {"Probes.Startup", p.Startup}} {
		if pr.p == nil {
			continue
		}
		if _, ok := ports[pr.p.Port]; !ok {
			c.bad(pr.field+".Port", "%q is not one of the app's ports", pr.p.Port)
		}
		if pr.p.Path != "" && !strings.HasPrefix(pr.p.Path, "/") {
			c.bad(pr.field+".Path", "%q must start with /", pr.p.Path)
		}
		c.seconds(pr.field+".InitialDelay", pr.p.InitialDelay)
		c.seconds(pr.field+".Period", pr.p.Period)
		c.seconds(pr.field+".Timeout", pr.p.Timeout)
		if pr.p.FailureThreshold < 0 {
			c.bad(pr.field+".FailureThreshold", "must not be negative")
		}
	}
	if p.Liveness != nil && p.Readiness != nil && *p.Liveness == *p.Readiness {
		c.bad("Probes.Liveness", "is identical to the readiness probe: a pod that is briefly not ready would be killed")
	}
}

// seconds reports a duration that is negative or not whole seconds.
func (c *specChecker) seconds(field string, d time.Duration) {
	if d < 0 {
		c.bad(field, "%s must not be negative", d)
	} else if d%time.Second != 0 {
		c.bad(field, "%s is not a whole number of seconds", d)
	}
}

func (c *specChecker) shutdown(s *Shutdown) {
	if s == nil {
		return
	}
	c.seconds("Shutdown.PreStop", s.PreStop)
	c.seconds("Shutdown.GracePeriod", s.GracePeriod)
	if s.GracePeriod <= s.PreStop {
		c.bad("Shutdown.GracePeriod", "%s must be longer than PreStop %s, or the process is killed before it can stop", s.GracePeriod, s.PreStop)
	}
}

func (c *specChecker) spread(sp []Spread) {
	for i, s := range sp {
		f := fmt.Sprintf("Spread[%d]", i)
		if errs := validation.IsQualifiedName(s.TopologyKey); len(errs) > 0 {
			c.bad(f+".TopologyKey", "%q is not a label key: %s", s.TopologyKey, strings.Join(errs, "; "))
		}
		if s.MaxSkew < 1 {
			c.bad(f+".MaxSkew", "must be at least 1")
		}
	}
}

// secrets checks the secret references and returns the keys of each.
func (c *specChecker) secrets(secrets []Secret) map[string]map[string]bool {
	keys := map[string]map[string]bool{}
	for i, s := range secrets {
		f := fmt.Sprintf("Secrets[%d]", i)
		if errs := validation.IsDNS1123Subdomain(s.Name); len(errs) > 0 {
			c.bad(f+".Name", "%q is not a DNS-1123 subdomain: %s", s.Name, strings.Join(errs, "; "))
		}
		if keys[s.Name] != nil {
			c.bad(f+".Name", "secret %q is defined twice", s.Name)
		}
		keys[s.Name] = map[string]bool{}
		if len(s.Keys) == 0 {
			c.bad(f+".Keys", "is empty: a secret needs at least one key")
		}
		for j, k := range s.Keys {
			kf := fmt.Sprintf("%s.Keys[%d]", f, j)
			if errs := validation.IsConfigMapKey(k.Key); len(errs) > 0 {
				c.bad(kf+".Key", "%q is not a secret key: %s", k.Key, strings.Join(errs, "; "))
			}
			if keys[s.Name][k.Key] {
				c.bad(kf+".Key", "key %q is defined twice", k.Key)
			}
			keys[s.Name][k.Key] = true
			if k.Remote == "" {
				c.bad(kf+".Remote", "is required: the key of the secret in the store")
			}
		}
	}
	return keys
}

func (c *specChecker) config(cfg Config) {
	for _, k := range slices.Sorted(maps.Keys(cfg.Data)) {
		if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
			c.bad(fmt.Sprintf("Config.Data[%q]", k), "is not a ConfigMap key: %s", strings.Join(errs, "; "))
		}
	}
	if cfg.MountPath != "" && !strings.HasPrefix(cfg.MountPath, "/") {
		c.bad("Config.MountPath", "%q must be an absolute path", cfg.MountPath)
	}
	if cfg.MountPath != "" && len(cfg.Data) == 0 {
		c.bad("Config.MountPath", "is set but Config.Data is empty")
	}
}

func (c *specChecker) vars(w World, s Spec, secrets map[string]map[string]bool) {
	seen := map[string]bool{}
	for i, v := range s.Vars {
		f := fmt.Sprintf("Vars[%d]", i)
		if !envVarName.MatchString(v.Name) {
			c.bad(f+".Name", "%q is not an environment variable name", v.Name)
		}
		if seen[v.Name] {
			c.bad(f+".Name", "variable %q is set twice", v.Name)
		}
		seen[v.Name] = true
		switch val := v.Value.(type) {
		case nil:
			c.bad(f+".Value", "is required")
		case Literal:
		case SecretRef:
			switch {
			case secrets[val.Secret] == nil:
				c.bad(f+".Value.Secret", "%q is not one of the app's Secrets", val.Secret)
			case !secrets[val.Secret][val.Key]:
				c.bad(f+".Value.Key", "secret %q has no key %q", val.Secret, val.Key)
			}
		case ConfigRef:
			if _, ok := s.Config.Data[string(val)]; !ok {
				c.bad(f+".Value", "config key %q is not in Config.Data", string(val))
			}
		case FieldRef:
			if string(val) == "" {
				c.bad(f+".Value", "names no field")
			}
		case ServiceURL:
			other, ok := w.Specs[val.App]
			if !ok {
				c.bad(f+".Value.App", "app %q does not exist in environment %s", val.App, w.Env.Name)
				break
			}
			if !hasPort(other.Ports, val.Port) {
				c.bad(f+".Value.Port", "app %q has no port %q", val.App, val.Port)
			}
		}
	}
}

func hasPort(ports []Port, name string) bool {
	for _, p := range ports {
		if p.Name == name {
			return true
		}
	}
	return false
}

func (c *specChecker) scaling(s Spec) {
	switch sc := s.Scaling.(type) {
	case nil:
		if k := KindOf(s.Workload); k == "Deployment" || k == "StatefulSet" {
			c.bad("Scaling", "is required for a %s: model.Replicas(n) or model.Autoscale{...}", k)
		}
	case Replicas:
		if sc < 0 {
			c.bad("Scaling", "replicas %d must not be negative", sc)
		}
	case Autoscale:
		if sc.Min < 1 {
			c.bad("Scaling.Min", "%d must be at least 1", sc.Min)
		}
		if sc.Max < sc.Min {
			c.bad("Scaling.Max", "%d is less than Min %d", sc.Max, sc.Min)
		}
		if sc.CPU == 0 && sc.Memory == 0 && len(sc.PerPod) == 0 {
			c.bad("Scaling", "autoscaling needs at least one metric: CPU, Memory or PerPod")
		}
		if sc.CPU < 0 {
			c.bad("Scaling.CPU", "must not be negative")
		}
		if sc.Memory < 0 {
			c.bad("Scaling.Memory", "must not be negative")
		}
		if sc.CPU > 0 && s.Resources.Requests.CPU == "" {
			c.bad("Scaling.CPU", "a CPU utilization target needs Resources.Requests.CPU")
		}
		if sc.Memory > 0 && s.Resources.Requests.Memory == "" {
			c.bad("Scaling.Memory", "a memory utilization target needs Resources.Requests.Memory")
		}
		for i, m := range sc.PerPod {
			f := fmt.Sprintf("Scaling.PerPod[%d]", i)
			if m.Name == "" {
				c.bad(f+".Name", "is required")
			}
			c.quantity(f+".AverageValue", m.AverageValue)
			if m.AverageValue == "" {
				c.bad(f+".AverageValue", "is required")
			}
		}
		c.rules("Scaling.ScaleUp", sc.ScaleUp)
		c.rules("Scaling.ScaleDown", sc.ScaleDown)
	}
}

func (c *specChecker) rules(field string, r *ScalingRules) {
	if r == nil {
		return
	}
	c.seconds(field+".StabilizationWindow", r.StabilizationWindow)
	if r.StabilizationWindow > time.Hour {
		c.bad(field+".StabilizationWindow", "%s is longer than the allowed hour", r.StabilizationWindow)
	}
	switch r.Select {
	case "", "Max", "Min", "Disabled":
	default:
		c.bad(field+".Select", "%q is not one of Max, Min, Disabled", r.Select)
	}
	if len(r.Policies) == 0 && r.Select != "Disabled" {
		c.bad(field+".Policies", "is empty: give at least one policy, or Select \"Disabled\"")
	}
	for i, p := range r.Policies {
		f := fmt.Sprintf("%s.Policies[%d]", field, i)
		if p.Value < 1 {
			c.bad(f+".Value", "must be at least 1")
		}
		c.seconds(f+".Period", p.Period)
		if p.Period < time.Second || p.Period > 30*time.Minute {
			c.bad(f+".Period", "%s must be between 1s and 30m", p.Period)
		}
	}
}

func (c *specChecker) disruption(d Disruption) {
	switch d := d.(type) {
	case MaxUnavailable:
		if d < 1 {
			c.bad("Disruption", "MaxUnavailable(%d) blocks every eviction and so every node drain: use at least 1", d)
		}
	case MinAvailable:
		if d < 0 {
			c.bad("Disruption", "MinAvailable(%d) must not be negative", d)
		}
	}
}

func (c *specChecker) ingress(in *Ingress, ports map[string]Port) {
	if in == nil {
		return
	}
	if errs := validation.IsDNS1123Subdomain(in.Host); len(errs) > 0 {
		c.bad("Ingress.Host", "%q is not a host name: %s", in.Host, strings.Join(errs, "; "))
	}
	if in.Path != "" && !strings.HasPrefix(in.Path, "/") {
		c.bad("Ingress.Path", "%q must start with /", in.Path)
	}
	if _, ok := ports[in.Port]; !ok {
		c.bad("Ingress.Port", "%q is not one of the app's ports", in.Port)
	}
	if errs := validation.IsDNS1123Subdomain(in.Class); len(errs) > 0 {
		c.bad("Ingress.Class", "%q is not an IngressClass name: %s", in.Class, strings.Join(errs, "; "))
	}
	if in.TLS != nil && in.TLS.ClusterIssuer == "" {
		c.bad("Ingress.TLS.ClusterIssuer", "is required")
	}
}

func (c *specChecker) canary(s Spec) {
	cn := s.Canary
	if cn == nil {
		return
	}
	switch {
	case cn.Tag == "":
		c.bad("Canary.Tag", "is required")
	case cn.Tag == "latest":
		c.bad("Canary.Tag", `"latest" is not a version: pin a tag`)
	case !imageTag.MatchString(cn.Tag):
		c.bad("Canary.Tag", "%q is not a valid image tag", cn.Tag)
	case cn.Tag == s.Image.Tag && s.Image.Digest == "":
		c.bad("Canary.Tag", "%q is the stable tag: a canary runs a new version", cn.Tag)
	}
	if cn.Weight < 0 || cn.Weight > 100 {
		c.bad("Canary.Weight", "%d is not a percentage 0..100", cn.Weight)
	}
	if cn.Replicas < 1 {
		c.bad("Canary.Replicas", "%d must be at least 1", cn.Replicas)
	}
	if h := cn.Header; h != nil {
		if !headerName.MatchString(h.Name) {
			c.bad("Canary.Header.Name", "%q is not a lowercase HTTP header name", h.Name)
		}
		if h.Value == "" {
			c.bad("Canary.Header.Value", "is required")
		}
	}
	if _, ok := s.Scaling.(Autoscale); !ok && len(s.Ports) == 0 {
		c.bad("Canary", "an app without ports receives no traffic to split")
	}
}

func (c *specChecker) callers(w World, s Spec) {
	seen := map[AppName]bool{}
	for i, cl := range s.Callers {
		f := fmt.Sprintf("Callers[%d]", i)
		switch {
		case cl.App != "" && cl.Principal != "":
			c.bad(f, "names both an App and a Principal: one caller is one of them")
			continue
		case cl.Principal != "":
			if !slices.Contains(w.Env.Identities, cl.Principal) {
				c.bad(f+".Principal", "%q is not one of the identities environment %s declares outside the tree (Env.Identities)", cl.Principal, w.Env.Name)
			}
		default:
			if _, ok := w.Specs[cl.App]; !ok {
				c.bad(f+".App", "app %q does not exist in environment %s", cl.App, w.Env.Name)
			}
		}
		if cl.App == c.app.Name {
			c.bad(f+".App", "an app does not call itself through its own policy")
		}
		if cl.App != "" && seen[cl.App] {
			c.bad(f+".App", "app %q is listed twice: merge its rules", cl.App)
		}
		seen[cl.App] = true
		for j, m := range cl.Methods {
			if !httpMethod.MatchString(m) {
				c.bad(fmt.Sprintf("%s.Methods[%d]", f, j), "%q is not an HTTP method in capitals", m)
			}
		}
		for j, p := range cl.Paths {
			if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*") {
				c.bad(fmt.Sprintf("%s.Paths[%d]", f, j), "%q must start with / or *", p)
			}
		}
		for j, cond := range cl.When {
			if cond.Key == "" {
				c.bad(fmt.Sprintf("%s.When[%d].Key", f, j), "is required")
			}
			if len(cond.Values) == 0 {
				c.bad(fmt.Sprintf("%s.When[%d].Values", f, j), "is empty: the condition could never hold")
			}
		}
	}
}

func (c *specChecker) metrics(m *Metrics, ports map[string]Port) {
	if m == nil {
		return
	}
	if _, ok := ports[m.Port]; !ok {
		c.bad("Metrics.Port", "%q is not one of the app's ports", m.Port)
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		c.bad("Metrics.Path", "%q must start with /", m.Path)
	}
	c.seconds("Metrics.Interval", m.Interval)
	if m.Interval < time.Second {
		c.bad("Metrics.Interval", "%s must be at least 1s", m.Interval)
	}
}

func (c *specChecker) traffic(t Traffic) {
	if p := t.ConnectionPool; p != nil {
		if p.MaxConnections < 1 || p.MaxPendingRequests < 1 || p.MaxRequestsPerConnection < 1 {
			c.bad("Traffic.ConnectionPool", "every limit must be at least 1 (a zero limit would refuse all traffic)")
		}
	}
	if o := t.Outlier; o != nil {
		if o.Consecutive5xx < 1 {
			c.bad("Traffic.Outlier.Consecutive5xx", "must be at least 1")
		}
		c.seconds("Traffic.Outlier.Interval", o.Interval)
		c.seconds("Traffic.Outlier.Ejection", o.Ejection)
		if o.Interval < time.Second {
			c.bad("Traffic.Outlier.Interval", "%s must be at least 1s", o.Interval)
		}
		if o.Ejection < time.Second {
			c.bad("Traffic.Outlier.Ejection", "%s must be at least 1s", o.Ejection)
		}
	}
}

// defaultAlertNames are the names of the alerts every app gets.
var defaultAlertNames = []string{"HighErrorRatio", "HighMemoryVsLimit", "PodsNotReady"}

func (c *specChecker) alerts(s Spec) {
	seen := map[string]bool{}
	for i, a := range s.Alerts {
		f := fmt.Sprintf("Alerts[%d]", i)
		if !alertName.MatchString(a.Name) {
			c.bad(f+".Name", "%q is not a CamelCase alert name", a.Name)
		}
		for _, d := range defaultAlertNames {
			if a.Name == d {
				c.bad(f+".Name", "%q is one of the default alerts", a.Name)
			}
		}
		if seen[a.Name] {
			c.bad(f+".Name", "alert %q is defined twice", a.Name)
		}
		seen[a.Name] = true
		if a.Expr == nil {
			c.bad(f+".Expr", "is required")
		}
		switch a.Severity {
		case Critical, Warning, Info:
		default:
			c.bad(f+".Severity", "%q is not one of critical, warning, info", a.Severity)
		}
		c.seconds(f+".For", a.For)
		if a.Summary == "" {
			c.bad(f+".Summary", "is required")
		}
		if a.Description == "" {
			c.bad(f+".Description", "is required")
		}
	}
}

func (c *specChecker) dependencies(deps []Dependency, secrets map[string]map[string]bool) {
	seen := map[DependencyKind]bool{}
	for i, d := range deps {
		f := fmt.Sprintf("Dependencies[%d]", i)
		var keys []string
		switch d.Kind {
		case PostgreSQL:
			keys = []string{"password", "postgres-password"}
			if errs := validation.IsDNS1123Label(d.Database); d.Database == "" || len(errs) > 0 {
				c.bad(f+".Database", "%q is not a database name", d.Database)
			}
			if errs := validation.IsDNS1123Label(d.User); d.User == "" || len(errs) > 0 {
				c.bad(f+".User", "%q is not a user name", d.User)
			}
		case Redis:
			keys = []string{"password"}
		default:
			c.bad(f+".Kind", "%q is not one of postgresql, redis", d.Kind)
		}
		if seen[d.Kind] {
			c.bad(f+".Kind", "a second %s: one of each kind per app", d.Kind)
		}
		seen[d.Kind] = true
		if secrets[d.Secret] == nil {
			c.bad(f+".Secret", "%q is not one of the app's Secrets", d.Secret)
		} else {
			for _, k := range keys {
				if !secrets[d.Secret][k] {
					c.bad(f+".Secret", "secret %q has no key %q, which the %s chart reads", d.Secret, k, d.Kind)
				}
			}
		}
		if c.quantity(f+".Storage", d.Storage) == nil && d.Storage == "" {
			c.bad(f+".Storage", "is required")
		}
	}
}
