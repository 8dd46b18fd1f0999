package lint

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/manifold-dev/manifold/lib/finding"
)

// argoRules check Argo CD Applications against the tree they sync.
func argoRules() []*Rule {
	return []*Rule{
		{ID: "argocd-path-missing", Severity: finding.Error, Names: true, Reads: []string{"Application"}, Check: checkArgoPaths,
			Doc:  "An Application's source path holds no object of the tree.",
			Help: "Point spec.source.path at a folder of the tree, relative to the repository root."},
		{ID: "argocd-namespace-missing", Severity: finding.Error, Reads: coreReads, Check: checkArgoNamespaces,
			Doc:  "An Application deploys into a namespace that neither the tree nor CreateNamespace creates, and that is not declared to exist.",
			Help: "Add the Namespace, the CreateNamespace=true sync option, or declare the namespace in the Env or -config."},
		{ID: "argocd-chart-unpinned", Severity: finding.Error, PerObject: true, Kinds: []string{"Application"}, Check: checkArgoCharts,
			Doc:  "A Helm chart source does not pin an exact chart version.",
			Help: "Set targetRevision to one version (11.6.12), not a range or latest."},
		{ID: "argocd-revision-unpinned", Severity: finding.Warning, PerObject: true, Kinds: []string{"Application"}, Check: checkArgoRevisions,
			Doc:  "A Git source follows HEAD, whatever the repository's default branch is.",
			Help: "Name the branch or tag to follow."},
		{ID: "argocd-double-parent", Severity: finding.Error, Reads: coreReads, Check: checkArgoParents,
			Doc:  "An Application is synced by two parent Applications, which fight over it.",
			Help: "Keep each Application in exactly one synced folder."},
	}
}

func applications(g *Graph) []*Object {
	var out []*Object
	for _, o := range g.OfKind("Application") {
		if o.Group() == "argoproj.io" {
			out = append(out, o)
		}
	}
	return out
}

// gitPath returns an Application's Git source path, cleaned, or "".
func gitPath(app *Object) string {
	src := Map(Map(app.Value, "spec"), "source")
	if str(src, "chart") != "" || str(src, "path") == "" {
		return ""
	}
	return path.Clean(str(src, "path"))
}

func checkArgoPaths(p *Pass) {
	dirs := map[string]bool{}
	others := false
	for _, o := range p.Graph.all() {
		dirs[path.Dir(strings.ReplaceAll(o.File, "\\", "/"))] = true
		others = others || o.Group() != "argoproj.io"
	}
	for _, f := range p.Facts().Folders {
		dirs[path.Clean(f)] = true
	}
	for _, app := range applications(p.Graph) {
		folder := gitPath(app)
		if folder == "" {
			continue
		}
		recurse, _ := Map(Map(Map(app.Value, "spec"), "source"), "directory")["recurse"].(bool)
		found := dirs[folder]
		for dir := range dirs {
			if found {
				break
			}
			found = strings.HasSuffix(dir, "/"+folder) || recurse && (strings.HasPrefix(dir, folder+"/") || strings.Contains(dir, "/"+folder+"/"))
		}
		if !found {
			p.ReportAt(!others, app, []string{"spec", "source", "path"}, "no object of the tree lies in %q%s", folder, aloneArgo(!others))
		}
	}
}

func aloneArgo(quiet bool) string {
	if quiet {
		return " (only Argo CD objects were linted)"
	}
	return ""
}

func checkArgoNamespaces(p *Pass) {
	declared := p.Facts().Namespaces
	for _, app := range applications(p.Graph) {
		spec := Map(app.Value, "spec")
		ns := str(Map(spec, "destination"), "namespace")
		if ns == "" || slices.Contains(declared, ns) || p.Graph.find("Namespace", "", ns) != nil {
			continue
		}
		if slices.Contains(List(Map(spec, "syncPolicy"), "syncOptions"), any("CreateNamespace=true")) {
			continue
		}
		p.Report(app, []string{"spec", "destination", "namespace"}, "namespace %q is not in the tree, not created by CreateNamespace=true and not declared to exist", ns)
	}
}

// exactVersion matches a single semantic version, with an optional v.
var exactVersion = regexp.MustCompile(`^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

func checkArgoCharts(p *Pass) {
	for _, app := range applications(p.Graph) {
		src := Map(Map(app.Value, "spec"), "source")
		if str(src, "chart") == "" {
			continue
		}
		if rev := str(src, "targetRevision"); !exactVersion.MatchString(rev) {
			p.Report(app, []string{"spec", "source", "targetRevision"}, "chart %s at %q is not one exact version", str(src, "chart"), rev)
		}
	}
}

func checkArgoRevisions(p *Pass) {
	for _, app := range applications(p.Graph) {
		src := Map(Map(app.Value, "spec"), "source")
		if str(src, "chart") != "" {
			continue
		}
		if rev := str(src, "targetRevision"); rev == "" || rev == "HEAD" {
			p.Report(app, []string{"spec", "source", "targetRevision"}, "follows %s: name a branch or tag", strings.TrimSpace(rev+" (the default branch)"))
		}
	}
}

func checkArgoParents(p *Pass) {
	apps := applications(p.Graph)
	syncing := map[string][]string{} // folder -> the Applications that sync it
	for _, parent := range apps {
		if folder := gitPath(parent); folder != "" {
			syncing[folder] = append(syncing[folder], parent.Name())
		}
	}
	for _, child := range apps {
		// The folders the child lies in directly, as a repository path may
		// name them: its directory and each of its trailing parts.
		var parents []string
		dir := path.Dir(strings.ReplaceAll(child.File, "\\", "/"))
		for suffix := dir; ; {
			parents = append(parents, syncing[suffix]...)
			_, rest, found := strings.Cut(suffix, "/")
			if !found {
				break
			}
			suffix = rest
		}
		slices.Sort(parents)
		if len(parents) > 1 {
			p.Report(child, nil, "synced by %d parent Applications: %s", len(parents), strings.Join(parents, ", "))
		}
	}
}
