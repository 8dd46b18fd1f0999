package lint

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	prommodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	k8slabels "k8s.io/apimachinery/pkg/labels"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/workers"
)

// promRules check ServiceMonitors against Services, and Prometheus rules
// with Prometheus's own parser and rule validation.
func promRules() []*Rule {
	return []*Rule{
		{ID: "servicemonitor-selects-nothing", Severity: finding.Warning, Reads: monitoringReads, Check: checkSMSelects,
			Doc:  "A ServiceMonitor selects no Service.",
			Help: "Match the Service's labels in spec.selector (and its namespace in namespaceSelector)."},
		{ID: "servicemonitor-port-unknown", Severity: finding.Error, Reads: monitoringReads, Check: checkSMPorts,
			Doc:  "A ServiceMonitor scrapes a port name that the selected Service does not have.",
			Help: "Use the name of one of the Service's ports; Prometheus finds no target otherwise."},
		{ID: "promql-invalid", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkRuleValidation("promql-invalid"),
			Doc:  "A rule's expression is not valid PromQL.",
			Help: "Fix the expression; `promtool check rules` gives the same error."},
		{ID: "alert-shape", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkRuleValidation("alert-shape"),
			Doc:  "A rule is not one of an alert or a recording rule, or has fields its kind does not take.",
			Help: "Set exactly one of alert and record; recording rules take no for or annotations."},
		{ID: "alert-template-invalid", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkRuleValidation("alert-template-invalid"),
			Doc:  "An alert's label or annotation template does not parse with Prometheus's template functions.",
			Help: "Fix the Go template: {{ $value }}, {{ $labels.pod }}, {{ $value | humanizePercentage }}."},
		{ID: "alert-for-invalid", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkAlertFor,
			Doc:  "An alert's for duration does not parse.",
			Help: "Use a Prometheus duration such as 5m or 1h30m."},
		{ID: "alert-severity", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkAlertSeverity,
			Doc:  "An alert has no severity label, or one that is not allowed.",
			Help: "Set labels.severity to one of the allowed values (critical, warning, info unless -config says otherwise)."},
		{ID: "alert-summary-missing", Severity: finding.Warning, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkAlertSummary,
			Doc:  "An alert has no summary annotation.",
			Help: "Add annotations.summary: the one line a person paged at night reads first."},
		{ID: "alert-value-in-labels", Severity: finding.Error, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkAlertValueInLabels,
			Doc:  "An alert's label uses $value, which changes at every evaluation.",
			Help: "A changing label makes a new alert each time: move $value into an annotation."},
		{ID: "alert-no-comparison", Severity: finding.Warning, PerObject: true, Kinds: []string{"PrometheusRule"}, Check: checkAlertComparison,
			Doc:  "An alert's expression has no comparison, so it fires whenever the series exists.",
			Help: "Compare against a threshold (> 0.1), or use absent() for missing data."},
		{ID: "alert-job-unscraped", Severity: finding.Warning, Reads: monitoringReads, Check: checkAlertJobs,
			Doc:  "An alert selects a job, or a job in a namespace, that no ServiceMonitor of the graph scrapes and no cluster-wide job provides.",
			Help: "The job label of a ServiceMonitor target is the Service's name unless jobLabel says otherwise; declare cluster jobs (kubelet, kube-state-metrics) in the Env or -config."},
	}
}

// promParser parses PromQL as Prometheus itself does.
var promParser = parser.NewParser(parser.Options{})

// smServices returns the Services a ServiceMonitor selects.
func smServices(g *Graph, sm *Object) []*Object {
	spec := Map(sm.Value, "spec")
	sel, ok := g.selector(Map(spec, "selector"))
	if !ok {
		return nil
	}
	nsSel := Map(spec, "namespaceSelector")
	candidates := g.servicesIn(sm.Namespace())
	if nsSel["any"] == true {
		candidates = g.OfKind("Service")
	} else if names := List(nsSel, "matchNames"); len(names) > 0 {
		candidates = nil
		for _, n := range names {
			if ns, ok := n.(string); ok {
				candidates = append(candidates, g.servicesIn(ns)...)
			}
		}
	}
	var out []*Object
	for _, svc := range candidates {
		if sel.Matches(k8slabels.Set(svc.Labels())) {
			out = append(out, svc)
		}
	}
	return out
}

func checkSMSelects(p *Pass) {
	quiet := len(p.Graph.OfKind("Service")) == 0
	for _, sm := range p.Graph.OfKind("ServiceMonitor") {
		if len(smServices(p.Graph, sm)) == 0 {
			p.ReportAt(quiet, sm, []string{"spec", "selector"}, "selects no Service%s", aloneSvc(quiet))
		}
	}
}

func aloneSvc(quiet bool) string {
	if quiet {
		return " (no Service was linted with it)"
	}
	return ""
}

func checkSMPorts(p *Pass) {
	for _, sm := range p.Graph.OfKind("ServiceMonitor") {
		svcs := smServices(p.Graph, sm)
		for i, ep := range List(Map(sm.Value, "spec"), "endpoints") {
			port := str(asMap(ep), "port")
			if port == "" {
				continue
			}
			for _, svc := range svcs {
				found := false
				for _, sp := range List(Map(svc.Value, "spec"), "ports") {
					found = found || str(asMap(sp), "name") == port
				}
				if !found {
					p.Report(sm, []string{"spec", "endpoints", strconv.Itoa(i), "port"}, "Service %q has no port named %q", svc.Name(), port)
				}
			}
		}
	}
}

// promRule is one rule of a PrometheusRule, with its path.
type promRule struct {
	obj  *Object
	segs []string
	r    map[string]any
	key  string // identifies the rule in its graph
}

func (pr promRule) at(more ...string) []string { return join(pr.segs, more...) }

func (pr promRule) name() string {
	if a := str(pr.r, "alert"); a != "" {
		return a
	}
	return str(pr.r, "record")
}

// promRules returns every rule of every PrometheusRule, found once.
func (g *Graph) promRules() []promRule {
	g.promRulesOnce.Do(func() { g.promRuleList = g.findPromRules() })
	return g.promRuleList
}

func (g *Graph) findPromRules() []promRule {
	var out []promRule
	for _, o := range g.OfKind("PrometheusRule") {
		for i, grp := range List(Map(o.Value, "spec"), "groups") {
			for j, r := range List(asMap(grp), "rules") {
				segs := []string{"spec", "groups", strconv.Itoa(i), "rules", strconv.Itoa(j)}
				out = append(out, promRule{o, segs, asMap(r), o.Namespace() + "/" + o.Name() + "/" + strings.Join(segs, "/")})
			}
		}
	}
	return out
}

// checkRuleValidation reports what Prometheus's own rule validation
// (rulefmt, as promtool runs it) finds, for the findings of one rule ID.
func checkRuleValidation(id string) func(p *Pass) {
	return func(p *Pass) {
		for _, pr := range p.Graph.promRules() {
			// One finding per field, with every message rulefmt gives for it.
			var order []string
			msgs := map[string][]string{}
			segs := map[string][]string{}
			for _, e := range p.Graph.validated(pr) {
				if e.id != id {
					continue
				}
				key := strings.Join(e.segs, "/")
				if _, seen := msgs[key]; !seen {
					order = append(order, key)
					segs[key] = e.segs
				}
				msgs[key] = append(msgs[key], e.msg)
			}
			for _, key := range order {
				p.Report(pr.obj, segs[key], "%s: %s", pr.name(), strings.Join(msgs[key], "; "))
			}
		}
	}
}

// validated returns rulefmt's errors for a rule, validated once for the
// three rule IDs that report them.
func (g *Graph) validated(pr promRule) []ruleError {
	cell := g.promCell(pr)
	if cell == nil { // not a rule of this graph
		return validateRule(g, pr)
	}
	// The first lint rule to ask validates every Prometheus rule of the
	// graph, on every core; the others wait for it.
	g.validatedOnce.Do(func() {
		g.eachPromCell(func(c *promCell, r promRule) { c.errs = validateRule(g, r) })
	})
	return cell.errs
}

// parsed returns a rule's expression as Prometheus parses it, parsed once
// for the rules that inspect it. The expression is shared: read it only.
func (g *Graph) parsed(pr promRule) (parser.Expr, error) {
	cell := g.promCell(pr)
	if cell == nil {
		return g.parseRule(pr)
	}
	// The first lint rule to ask parses every Prometheus rule of the
	// graph, on every core; the others wait for it.
	g.parsedOnce.Do(func() {
		g.eachPromCell(func(c *promCell, r promRule) { c.expr, c.exprErr = g.parseRule(r) })
	})
	return cell.expr, cell.exprErr
}

// parseRule parses a rule's expression, once per text for the graphs
// that share g's memos.
func (g *Graph) parseRule(pr promRule) (parser.Expr, error) {
	text := fmt.Sprint(pr.r["expr"])
	p := g.memos.exprs.get(text, func() parsedExpr {
		expr, err := promParser.ParseExpr(text)
		return parsedExpr{expr, err}
	})
	return p.expr, p.err
}

// parsedExpr is what the parser returned.
type parsedExpr struct {
	expr parser.Expr
	err  error
}

// eachPromCell calls f with every Prometheus rule of the graph and its
// cell, on every core (on the caller's, for a graph of one object).
func (g *Graph) eachPromCell(f func(*promCell, promRule)) {
	cells, rules := g.cells()
	if g.single {
		for _, r := range rules {
			f(cells[r.key], r)
		}
		return
	}
	workers.Each(len(rules), func(i int) { f(cells[rules[i].key], rules[i]) })
}

// promCell returns what is found once of a rule of the graph, nil for a
// rule that is not one.
func (g *Graph) promCell(pr promRule) *promCell {
	cells, _ := g.cells()
	return cells[pr.key]
}

// cells returns the cells of the graph's Prometheus rules, by key, made
// once, and the first rule of each key (two objects of one name have
// rules of the same keys).
func (g *Graph) cells() (map[string]*promCell, []promRule) {
	g.promCellsOnce.Do(func() {
		g.promCells = map[string]*promCell{}
		for _, r := range g.promRules() {
			if g.promCells[r.key] == nil {
				g.promCells[r.key] = &promCell{}
				g.promCellRules = append(g.promCellRules, r)
			}
		}
	})
	return g.promCells, g.promCellRules
}

// promCell is what is found once of one Prometheus rule, for every rule
// of the graph when a lint rule first asks: rulefmt's errors, and the
// parsed expression.
type promCell struct {
	errs    []ruleError
	expr    parser.Expr
	exprErr error
}

type ruleError struct {
	id, msg string
	segs    []string
}

// validateRule runs rulefmt's validation of one rule, as promtool does,
// and sorts its errors into rule IDs by the field they concern. Every
// message is rulefmt's own.
func validateRule(g *Graph, pr promRule) []ruleError {
	labels, annotations := stringMap(pr.r, "labels"), stringMap(pr.r, "annotations")
	r := rulefmt.Rule{
		Record:      str(pr.r, "record"),
		Alert:       str(pr.r, "alert"),
		Expr:        fmt.Sprint(pr.r["expr"]),
		Labels:      labels,
		Annotations: annotations,
	}
	if pr.r["expr"] == nil {
		r.Expr = ""
	}
	// A duration that does not parse is alert-for-invalid's to report.
	if d, err := prommodel.ParseDuration(str(pr.r, "for")); err == nil {
		r.For = d
	}
	if d, err := prommodel.ParseDuration(str(pr.r, "keep_firing_for")); err == nil {
		r.KeepFiringFor = d
	}
	// The expression is the one the graph parsed for the other rules.
	expr, exprErr := g.parsed(pr)
	p := parsedOnce{Parser: promParser, input: r.Expr, expr: expr, err: exprErr}
	var errs []error
	if r.Alert == "" || r.Record != "" {
		errs = unwrap(r.Validate(rulefmt.RuleNode{}, prommodel.UTF8Validation, p))
	} else {
		// For an alert rulefmt parses every label and annotation value as a
		// template, with a new expander each: most of its cost, and the
		// same few templates in every app. So the rule is validated without
		// them; their names and values as a recording rule's, which parses
		// no template; and each templated value once per graph.
		shape := r
		shape.Labels, shape.Annotations = nil, nil
		errs = unwrap(shape.Validate(rulefmt.RuleNode{}, prommodel.UTF8Validation, p))
		names := rulefmt.Rule{Record: "names", Expr: "1", Labels: labels, Annotations: annotations}
		for _, err := range unwrap(names.Validate(rulefmt.RuleNode{}, prommodel.UTF8Validation, promParser)) {
			if !strings.HasPrefix(err.Error(), "invalid field 'annotations'") { // allowed in an alert
				errs = append(errs, err)
			}
		}
		errs = append(errs, g.templateErrors(r.Alert, labels, annotations)...)
	}
	var out []ruleError
	// rulefmt names a bad label value, not its label: the messages for one
	// value go to its labels in turn.
	byValue := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		byValue[labels[k]] = append(byValue[labels[k]], k)
	}
	for _, err := range errs {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "could not parse expression"):
			out = append(out, ruleError{"promql-invalid", msg, pr.at("expr")})
		case strings.HasPrefix(msg, "label \"") || strings.HasPrefix(msg, "annotation \""):
			key := strings.SplitN(msg, "\"", 3)[1]
			field := "labels"
			if strings.HasPrefix(msg, "annotation") {
				field = "annotations"
			}
			out = append(out, ruleError{"alert-template-invalid", msg, pr.at(field, key)})
		case strings.HasPrefix(msg, "invalid label name: "):
			out = append(out, ruleError{"alert-shape", msg, pr.at("labels", strings.TrimPrefix(msg, "invalid label name: "))})
		case strings.HasPrefix(msg, "invalid annotation name: "):
			out = append(out, ruleError{"alert-shape", msg, pr.at("annotations", strings.TrimPrefix(msg, "invalid annotation name: "))})
		case strings.HasPrefix(msg, "invalid label value: ") && len(byValue[strings.TrimPrefix(msg, "invalid label value: ")]) > 0:
			v := strings.TrimPrefix(msg, "invalid label value: ")
			out = append(out, ruleError{"alert-shape", msg, pr.at("labels", byValue[v][0])})
			byValue[v] = byValue[v][1:]
		default:
			out = append(out, ruleError{"alert-shape", msg, pr.segs})
		}
	}
	return out
}

// parsedOnce is a PromQL parser that knows one input's result already.
type parsedOnce struct {
	parser.Parser
	input string
	expr  parser.Expr
	err   error
}

// ParseExpr returns the known result for the known input, and parses any
// other.
func (p parsedOnce) ParseExpr(input string) (parser.Expr, error) {
	if input == p.input {
		return p.expr, p.err
	}
	return p.Parser.ParseExpr(input)
}

// unwrap returns the errors of rulefmt's wrapped errors.
func unwrap(wrapped []rulefmt.WrappedError) []error {
	var out []error
	for _, we := range wrapped {
		if err := errors.Unwrap(&we); err != nil {
			out = append(out, err)
		}
	}
	return out
}

// templateKey is one templated value of an alert: its verdict depends on
// nothing else, the alert's name being in the message.
type templateKey struct{ alert, field, key, text string }

// templateErrors returns what rulefmt finds of an alert's templated label
// and annotation values, in the order of their names, each value parsed
// once per graph. A value without "{{" is text, which always parses.
func (g *Graph) templateErrors(alert string, labels, annotations map[string]string) []error {
	var out []error
	for _, field := range []string{"labels", "annotations"} {
		m := labels
		if field == "annotations" {
			m = annotations
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !strings.Contains(m[k], "{{") {
				continue
			}
			tk := templateKey{alert, field, k, m[k]}
			out = append(out, g.memos.templates.get(tk, func() []error { return parseTemplate(tk) })...)
		}
	}
	return out
}

// parseTemplate runs rulefmt's template check on one value, as the only
// label or annotation of an alert with a valid expression.
func parseTemplate(tk templateKey) []error {
	r := rulefmt.Rule{Alert: tk.alert, Expr: "1"}
	if tk.field == "labels" {
		r.Labels = map[string]string{tk.key: tk.text}
	} else {
		r.Annotations = map[string]string{tk.key: tk.text}
	}
	var out []error
	for _, err := range unwrap(r.Validate(rulefmt.RuleNode{}, prommodel.UTF8Validation, promParser)) {
		if strings.HasPrefix(err.Error(), "label \"") || strings.HasPrefix(err.Error(), "annotation \"") {
			out = append(out, err) // names and values are checked with the rule's others
		}
	}
	return out
}

func checkAlertFor(p *Pass) {
	for _, pr := range p.Graph.promRules() {
		if f, ok := pr.r["for"].(string); ok {
			if _, err := prommodel.ParseDuration(f); err != nil {
				p.Report(pr.obj, pr.at("for"), "%s: for %q: %v", pr.name(), f, err)
			}
		}
	}
}

func alerts(g *Graph) []promRule {
	var out []promRule
	for _, pr := range g.promRules() {
		if str(pr.r, "alert") != "" {
			out = append(out, pr)
		}
	}
	return out
}

func checkAlertSeverity(p *Pass) {
	allowed := p.Config.Severities
	if len(allowed) == 0 {
		allowed = []string{"critical", "warning", "info"}
	}
	for _, pr := range alerts(p.Graph) {
		sev, ok := stringMap(pr.r, "labels")["severity"]
		switch {
		case !ok:
			p.Report(pr.obj, pr.at("alert"), "%s has no severity label", pr.name())
		case !slices.Contains(allowed, sev):
			p.Report(pr.obj, pr.at("labels", "severity"), "%s: severity %q is not one of %s", pr.name(), sev, strings.Join(allowed, ", "))
		}
	}
}

func checkAlertSummary(p *Pass) {
	for _, pr := range alerts(p.Graph) {
		if stringMap(pr.r, "annotations")["summary"] == "" {
			p.Report(pr.obj, pr.at("alert"), "%s has no summary annotation", pr.name())
		}
	}
}

func checkAlertValueInLabels(p *Pass) {
	for _, pr := range alerts(p.Graph) {
		l := stringMap(pr.r, "labels")
		for _, k := range slices.Sorted(maps.Keys(l)) {
			if strings.Contains(l[k], "$value") || strings.Contains(l[k], ".Value") {
				p.Report(pr.obj, pr.at("labels", k), "%s: label %q uses $value", pr.name(), k)
			}
		}
	}
}

func checkAlertComparison(p *Pass) {
	for _, pr := range alerts(p.Graph) {
		expr, err := p.Graph.parsed(pr)
		if err != nil {
			continue // promql-invalid
		}
		found := false
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			switch x := n.(type) {
			case *parser.BinaryExpr:
				found = found || x.Op.IsComparisonOperator()
			case *parser.Call:
				found = found || strings.HasPrefix(x.Func.Name, "absent")
			}
			return nil
		})
		if !found {
			p.Report(pr.obj, pr.at("expr"), "%s: the expression compares nothing: it fires whenever the series exists", pr.name())
		}
	}
}

// scrapeTarget is what one ServiceMonitor target looks like in Prometheus:
// its job, namespace and service labels.
type scrapeTarget struct{ job, namespace, service string }

// scraped returns the targets the graph's ServiceMonitors produce: the job
// label is the Service's name, or the value of its jobLabel label.
func scraped(g *Graph) []scrapeTarget {
	var out []scrapeTarget
	for _, sm := range g.OfKind("ServiceMonitor") {
		jobLabel := str(Map(sm.Value, "spec"), "jobLabel")
		for _, svc := range smServices(g, sm) {
			job := svc.Name()
			if v := svc.Labels()[jobLabel]; jobLabel != "" && v != "" {
				job = v
			}
			out = append(out, scrapeTarget{job, svc.Namespace(), svc.Name()})
		}
	}
	return out
}

func checkAlertJobs(p *Pass) {
	targets := map[string][]scrapeTarget{} // by job
	for _, t := range scraped(p.Graph) {
		targets[t.job] = append(targets[t.job], t)
	}
	cluster := p.Facts().ClusterJobs
	quiet := len(p.Graph.OfKind("ServiceMonitor")) == 0
	for _, pr := range alerts(p.Graph) {
		expr, err := p.Graph.parsed(pr)
		if err != nil {
			continue
		}
		reported := map[string]bool{}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			eq := map[string]string{}
			for _, m := range vs.LabelMatchers {
				if m.Type == labels.MatchEqual {
					eq[m.Name] = m.Value
				}
			}
			job, hasJob := eq["job"]
			if !hasJob || slices.Contains(cluster, job) {
				return nil
			}
			ns, hasNS := eq["namespace"]
			svc, hasSvc := eq["service"]
			match := slices.ContainsFunc(targets[job], func(t scrapeTarget) bool {
				return (!hasNS || t.namespace == ns) && (!hasSvc || t.service == svc)
			})
			key := job + "/" + ns
			if !match && !reported[key] {
				reported[key] = true
				where := ""
				if hasNS {
					where = fmt.Sprintf(" in namespace %q", ns)
				}
				p.ReportAt(quiet, pr.obj, pr.at("expr"), "%s selects job %q%s, which no ServiceMonitor scrapes and no cluster-wide job provides%s", pr.name(), job, where, aloneSM(quiet))
			}
			return nil
		})
	}
}

func aloneSM(quiet bool) string {
	if quiet {
		return " (no ServiceMonitor was linted with it)"
	}
	return ""
}
