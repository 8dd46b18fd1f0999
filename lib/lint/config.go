package lint

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/lib/finding"
)

// Config is the -config file: rules disabled or with another severity,
// facts about what exists outside the linted tree, and a baseline of
// accepted findings.
//
//	rules:
//	  image-not-pinned: {severity: warning}
//	  read-only-root-fs: {disabled: true}
//	severities: [critical, warning, info]
//	baseline:
//	  - {rule: host-path, kind: DaemonSet, namespace: logging, name: fluentd, path: spec.template.spec.volumes[0].hostPath}
type Config struct {
	Rules map[string]RuleConfig `json:"rules,omitempty"`
	// Severities are the values an alert's severity label may take.
	Severities []string `json:"severities,omitempty"`
	// Principals are mesh identities that exist outside the tree, such as
	// the ingress gateway's and Prometheus's service accounts.
	Principals []string `json:"principals,omitempty"`
	// Namespaces exist outside the tree, such as argocd.
	Namespaces []string `json:"namespaces,omitempty"`
	// ClusterJobs are cluster-wide scrape jobs, such as kubelet.
	ClusterJobs []string `json:"clusterJobs,omitempty"`
	// Baseline lists accepted findings; they are not reported.
	Baseline []Accepted `json:"baseline,omitempty"`
}

// RuleConfig changes one rule.
type RuleConfig struct {
	Disabled bool             `json:"disabled,omitempty"`
	Severity finding.Severity `json:"severity,omitempty"`
}

// Accepted matches a finding by rule, object and path; File, when set,
// must match too. Lines are not compared, so edits elsewhere in a file do
// not revive an accepted finding.
type Accepted struct {
	Rule      string `json:"rule"`
	File      string `json:"file,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Path      string `json:"path,omitempty"`
	// Reason says why the finding is accepted.
	Reason string `json:"reason"`
}

// LoadConfig reads a config file, refusing unknown fields, unknown rules
// and baseline entries without a reason.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	known := map[string]bool{suppressionRule.ID: true}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	var probs []string
	for id, rc := range c.Rules {
		if !known[id] {
			probs = append(probs, fmt.Sprintf("rules.%s: no such rule", id))
		}
		switch rc.Severity {
		case "", finding.Error, finding.Warning, finding.Info:
		default:
			probs = append(probs, fmt.Sprintf("rules.%s.severity: %q is not error, warning or info", id, rc.Severity))
		}
	}
	for i, a := range c.Baseline {
		if !known[a.Rule] {
			probs = append(probs, fmt.Sprintf("baseline[%d].rule: %q is not a rule", i, a.Rule))
		}
		if strings.TrimSpace(a.Reason) == "" {
			probs = append(probs, fmt.Sprintf("baseline[%d].reason: an accepted finding needs a reason", i))
		}
	}
	if len(probs) > 0 {
		slices.Sort(probs)
		return nil, fmt.Errorf("%s: %s", path, strings.Join(probs, "; "))
	}
	return &c, nil
}

func (c *Config) disabled(r *Rule) bool { return c.Rules[r.ID].Disabled }

func (c *Config) severity(r *Rule) finding.Severity {
	if s := c.Rules[r.ID].Severity; s != "" {
		return s
	}
	return r.Severity
}

func (c *Config) accepted(f finding.Finding) bool {
	for _, a := range c.Baseline {
		if a.Rule == f.Rule && (a.File == "" || a.File == f.File) && a.Kind == f.Kind &&
			a.Namespace == f.Namespace && a.Name == f.Name && a.Path == f.Path {
			return true
		}
	}
	return false
}

func (c *Config) facts() Facts {
	return Facts{Principals: c.Principals, Namespaces: c.Namespaces, ClusterJobs: c.ClusterJobs}
}
