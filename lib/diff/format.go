package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

var opSign = map[Op]string{Added: "+", Removed: "-", Changed: "~"}

// title names an entry's object: "Deployment/myapp", or for a renamed
// ConfigMap "ConfigMap/myapp-config-1111111111 → myapp-config-2222222222".
func (e Entry) title() string {
	if e.OldName != "" {
		return fmt.Sprintf("%s/%s → %s", e.Kind, e.OldName, e.Name)
	}
	return e.Kind + "/" + e.Name
}

// change writes one field change: "spec.replicas: 3 → 5".
func (c Change) String() string {
	return fmt.Sprintf("%s: %s → %s", c.Path, orNone(c.Old), orNone(c.New))
}

// WriteText writes the report for a terminal: per environment and app,
// each object with its sign, its risks, and its changed fields.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	last := ""
	for _, e := range r.Entries {
		if group := e.Env + "/" + e.App; group != last {
			fmt.Fprintf(&b, "%s\n", group)
			last = group
		}
		fmt.Fprintf(&b, "  %s %s\n", opSign[e.Op], e.title())
		for _, risk := range e.Risks {
			fmt.Fprintf(&b, "      ! %s\n", risk)
		}
		for _, c := range e.Changes {
			fmt.Fprintf(&b, "      %s\n", c)
		}
	}
	if len(r.Entries) == 0 {
		b.WriteString("no differences\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// JSONReport is the JSON form of a diff.
type JSONReport struct {
	Version string  `json:"version"`
	Entries []Entry `json:"entries"`
}

// WriteJSON writes {"version": ..., "entries": [...]}.
func WriteJSON(w io.Writer, version string, r Report) error {
	entries := r.Entries
	if entries == nil {
		entries = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(JSONReport{Version: version, Entries: entries})
}

// WriteMarkdown writes a summary fit for a pull-request comment: a table
// of environments and apps with the counts of added, changed and removed
// objects, the risky changes first, then each object's changes in a
// collapsible section.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	b.WriteString("### manifold: what this change does to the clusters\n\n")
	if len(r.Entries) == 0 {
		b.WriteString("No object changes.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	type counts struct{ added, changed, removed, risky int }
	byGroup := map[string]*counts{}
	for _, e := range r.Entries {
		g := e.Env + " | " + e.App
		if byGroup[g] == nil {
			byGroup[g] = &counts{}
		}
		c := byGroup[g]
		switch e.Op {
		case Added:
			c.added++
		case Changed:
			c.changed++
		case Removed:
			c.removed++
		}
		if len(e.Risks) > 0 {
			c.risky++
		}
	}
	b.WriteString("| environment | app | added | changed | removed | risky |\n|---|---|---:|---:|---:|---:|\n")
	for _, g := range slices.Sorted(maps.Keys(byGroup)) {
		c := byGroup[g]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", g, c.added, c.changed, c.removed, riskCell(c.risky))
	}
	if risky := r.Risky(); len(risky) > 0 {
		b.WriteString("\n#### ⚠️ Risky changes\n\n")
		for _, e := range risky {
			for _, risk := range e.Risks {
				fmt.Fprintf(&b, "- **%s/%s** `%s`: %s\n", e.Env, e.App, e.title(), mdEscape(risk))
			}
		}
	}
	b.WriteString("\n#### Objects\n\n")
	for _, e := range r.Entries {
		fmt.Fprintf(&b, "<details><summary><code>%s</code> %s/%s <code>%s</code></summary>\n\n", opSign[e.Op], e.Env, e.App, htmlEscape(e.title()))
		fmt.Fprintf(&b, "File: `%s`\n\n", e.File)
		if len(e.Changes) > 0 {
			b.WriteString("| field | old | new |\n|---|---|---|\n")
			for _, c := range e.Changes {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", mdEscape(c.Path), cell(c.Old), cell(c.New))
			}
			b.WriteString("\n")
		}
		b.WriteString("</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func riskCell(n int) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("**%d** ⚠️", n)
}

// cell writes a value in a table cell: code, with pipes escaped, long
// values cut.
func cell(v string) string {
	if v == "" {
		return "*(none)*"
	}
	if len(v) > 120 {
		v = v[:117] + "..."
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(v, "|", `\|`), "`", "'") + "`"
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
