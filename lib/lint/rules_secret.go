package lint

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/manifold-dev/manifold/lib/finding"
)

// secretRules find credentials written into the tree.
func secretRules() []*Rule {
	return []*Rule{
		{ID: "secret-literal", Severity: finding.Error, PerObject: true, Kinds: append(podKinds, "ConfigMap"), Check: checkSecretLiterals,
			Doc:  "A credential is written as a literal: in an env value, an argument, a command or a ConfigMap.",
			Help: "Read it from a Secret (secretKeyRef, produced by an ExternalSecret); refer to another variable as $(NAME) to build a URL."},
		{ID: "secret-in-tree", Severity: finding.Error, PerObject: true, Kinds: []string{"Secret"}, Check: checkSecretObjects,
			Doc:  "A Secret with data is in the tree, so its values are in Git.",
			Help: "Replace it with an ExternalSecret that reads the values from the secret store."},
	}
}

var (
	// credentialName matches names that hold a credential.
	credentialName = regexp.MustCompile(`(?i)(pass(word|wd)?|pwd|secret|token|api[-_]?key|private[-_]?key|credential|access[-_]?key)`)
	// urlCredential matches scheme://user:password@host.
	urlCredential = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^@\s/]+)@`)
	// pemKey matches a PEM private key.
	pemKey = regexp.MustCompile(`-----BEGIN ([A-Z]+ )?PRIVATE KEY-----`)
	// knownToken matches well-known token formats.
	knownToken = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|sk_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35})\b`)
	// varRef matches a reference to another variable, $(NAME).
	varRef = regexp.MustCompile(`^\$\([A-Za-z_][A-Za-z0-9_]*\)$`)
	// flagCredential matches --password=value and similar arguments.
	flagCredential = regexp.MustCompile(`(?i)^--?[a-z0-9-]*(password|passwd|secret|token|api-?key)[a-z0-9-]*=(.+)$`)
)

// literalCredential says why a value is a credential, or "" when it is not.
// A value made only of $(VAR) references, or a placeholder, is not.
func literalCredential(value string) string {
	if m := urlCredential.FindStringSubmatch(value); m != nil && !varRef.MatchString(m[1]) {
		return "a URL with a password"
	}
	if pemKey.MatchString(value) {
		return "a PEM private key"
	}
	if knownToken.MatchString(value) {
		return "a token of a well-known format"
	}
	return ""
}

// credentialValue reports whether a named value holds a literal credential:
// the name says credential and the value is not empty, a boolean, a
// number, a path or a $(VAR) reference.
func credentialValue(name, value string) bool {
	if !credentialName.MatchString(name) || value == "" || varRef.MatchString(value) || strings.HasPrefix(value, "/") {
		return false
	}
	if _, err := strconv.ParseFloat(value, 64); err == nil {
		return false
	}
	switch strings.ToLower(value) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled":
		return false
	}
	return true
}

func checkSecretLiterals(p *Pass) {
	for _, pod := range p.Graph.Pods() {
		for _, c := range pod.Containers() {
			for i, e := range List(c.C, "env") {
				m := asMap(e)
				v, ok := m["value"].(string)
				if !ok {
					continue
				}
				name := str(m, "name")
				segs := c.At("env", strconv.Itoa(i), "value")
				if why := literalCredential(v); why != "" {
					p.Report(pod.Object, segs, "container %q: %s holds %s", c.Name(), name, why)
				} else if credentialValue(name, v) {
					p.Report(pod.Object, segs, "container %q: %s is a credential written as a literal", c.Name(), name)
				}
			}
			for _, field := range []string{"command", "args"} {
				for i, a := range List(c.C, field) {
					arg, _ := a.(string)
					segs := c.At(field, strconv.Itoa(i))
					if why := literalCredential(arg); why != "" {
						p.Report(pod.Object, segs, "container %q: an argument holds %s", c.Name(), why)
					} else if m := flagCredential.FindStringSubmatch(arg); m != nil && !varRef.MatchString(m[2]) {
						p.Report(pod.Object, segs, "container %q: an argument passes a %s as a literal", c.Name(), strings.ToLower(m[1]))
					}
				}
			}
		}
	}
	for _, cm := range p.Graph.OfKind("ConfigMap") {
		data := stringMap(cm.Value, "data")
		for _, k := range slices.Sorted(maps.Keys(data)) {
			segs := []string{"data", k}
			if why := literalCredential(data[k]); why != "" {
				p.Report(cm, segs, "key %q holds %s", k, why)
			} else if credentialValue(k, data[k]) {
				p.Report(cm, segs, "key %q is a credential written as a literal", k)
			}
		}
	}
}

func checkSecretObjects(p *Pass) {
	for _, s := range p.Graph.OfKind("Secret") {
		if s.Group() != "" {
			continue
		}
		for _, field := range []string{"data", "stringData"} {
			if len(Map(s.Value, field)) > 0 {
				p.Report(s, []string{field}, "Secret %q carries its values in the tree (%s): they are in Git", s.Name(), field)
			}
		}
	}
}
