package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff/lcs"
)

// BuildLog is one build and its log (plain lines), to compare.
type BuildLog struct {
	Build Build
	Lines []string    // plain text
	Times []time.Time // each line's time (may be shorter than Lines)
}

// Add appends raw log lines: their plain text and times.
func (bl *BuildLog) Add(lines []LogLine) {
	for _, l := range lines {
		bl.Lines = append(bl.Lines, Sanitize(l.Text).Plain())
		bl.Times = append(bl.Times, l.Time)
	}
}

// Field is one thing two builds may differ in.
type Field struct {
	Name string
	A, B string
	Same bool
}

// DiffLine is one line of the log diff: ' ' in both, '-' only in A, '+'
// only in B, or '~' for a run of common lines left out.
type DiffLine struct {
	Op   byte
	Text string
}

// Comparison is what differs between two builds.
type Comparison struct {
	A, B     Build
	Fields   []Field
	PhasesA  []Span
	PhasesB  []Span
	LogDiff  []DiffLine
	Added    int  // lines only in B
	Removed  int  // lines only in A
	Identity bool // the two logs are the same once times and numbers are masked
}

// diffContext is how many common lines are kept around each change.
const diffContext = 2

// Compare tells what differs between a and b: branch and commit, trigger
// commands, root directory, environment variable names (never values),
// tools read from the logs, the build cache, phases, the first error, and
// the logs themselves with times, durations, sizes and ids masked.
func Compare(a, b BuildLog, now time.Time) Comparison {
	c := Comparison{A: a.Build, B: b.Build}
	field := func(name, x, y string) {
		c.Fields = append(c.Fields, Field{Name: name, A: x, B: y, Same: x == y})
	}
	ma, mb := a.Build.Meta, b.Build.Meta
	field("outcome", string(a.Build.State()), string(b.Build.State()))
	field("branch", SanitizeInline(ma.Branch), SanitizeInline(mb.Branch))
	field("commit", SanitizeInline(a.Build.ShortCommit()), SanitizeInline(b.Build.ShortCommit()))
	field("build command", SanitizeInline(ma.BuildCommand), SanitizeInline(mb.BuildCommand))
	field("deploy command", SanitizeInline(ma.DeployCommand), SanitizeInline(mb.DeployCommand))
	field("root directory", SanitizeInline(ma.RootDirectory), SanitizeInline(mb.RootDirectory))
	field("variables", envNames(ma.EnvironmentVariables), envNames(mb.EnvironmentVariables))
	ta, tb := toolsOf(a.Lines), toolsOf(b.Lines)
	for _, tool := range []string{"node", "npm", "pnpm", "yarn", "bun", "wrangler"} {
		if ta[tool] != "" || tb[tool] != "" {
			field(tool, orDash(ta[tool]), orDash(tb[tool]))
		}
	}
	field("build cache", cacheOf(a.Lines), cacheOf(b.Lines))
	fa, fb := failureIn(a), failureIn(b)
	field("first error", orDash(fa), orDash(fb))
	field("duration", FormatDuration(a.Build.Duration(now)), FormatDuration(b.Build.Duration(now)))
	c.PhasesA = Timeline(a.Build, nil, marksOf(a), now)
	c.PhasesB = Timeline(b.Build, nil, marksOf(b), now)
	c.LogDiff, c.Removed, c.Added = diffLogs(a.Lines, b.Lines)
	c.Identity = c.Added == 0 && c.Removed == 0
	return c
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// envNames lists variable names, secrets marked, never a value.
func envNames(vars map[string]EnvVar) string {
	names := make([]string, 0, len(vars))
	for k, v := range vars {
		k = SanitizeInline(k)
		if v.IsSecret {
			k += " (secret)"
		}
		names = append(names, k)
	}
	slices.Sort(names)
	return orDash(strings.Join(names, ", "))
}

// toolsOf reads tool versions from a log: Cloudflare's "Detected the
// following tools from environment: npm@10.8.2, nodejs@22.9.0" and
// wrangler's banner " ⛅️ wrangler 3.90.0".
func toolsOf(lines []string) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		if _, list, ok := strings.Cut(l, "tools from environment:"); ok {
			for _, t := range strings.Split(list, ",") {
				name, ver, ok := strings.Cut(strings.TrimSpace(t), "@")
				if ok {
					if name == "nodejs" {
						name = "node"
					}
					out[name] = ver
				}
			}
		}
		if i := strings.Index(l, "wrangler "); i >= 0 && strings.Contains(l[:i], "⛅") {
			out["wrangler"] = strings.Fields(l[i+len("wrangler "):] + " ")[0]
		}
	}
	return out
}

// cacheOf says whether the build restored its cache, as its log says.
func cacheOf(lines []string) string {
	for _, l := range lines {
		switch {
		case indexFoldASCII(l, "restoring from build cache") >= 0, indexFoldASCII(l, "restored build cache") >= 0:
			return "restored"
		case indexFoldASCII(l, "no build cache") >= 0:
			return "none found"
		}
	}
	return "not mentioned"
}

func failureIn(bl BuildLog) string {
	f := FailureOf(func(i int) string { return bl.Lines[i] }, len(bl.Lines))
	return f.Text
}

func marksOf(bl BuildLog) []PhaseMark {
	var tr PhaseTracker
	for i, l := range bl.Lines {
		var at time.Time
		if i < len(bl.Times) {
			at = bl.Times[i]
		}
		tr.Add(at, []byte(l))
	}
	return tr.Marks
}

// maskLine hides what changes from run to run of the same build: every word
// holding a digit (times, durations, sizes, counts, hashes, versions)
// becomes "#", and a run of spaces one space (numbers are padded to their
// width).
func maskLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	word := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-' || c == ':'
	}
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			b.WriteByte(' ')
			for i < len(s) && s[i] == ' ' {
				i++
			}
			continue
		}
		if !word(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j, digit := i, false
		for j < len(s) && word(s[j]) {
			digit = digit || s[j] >= '0' && s[j] <= '9'
			j++
		}
		if digit {
			b.WriteByte('#')
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// diffLogs diffs two logs line by line after masking: each distinct masked
// line becomes one symbol, and the symbols are diffed with lcs (bounded
// work, so two very different logs cannot take forever).
func diffLogs(a, b []string) (out []DiffLine, removed, added int) {
	ids := map[string]rune{}
	symbols := func(lines []string) ([]rune, []string) {
		rs, masked := make([]rune, len(lines)), make([]string, len(lines))
		for i, l := range lines {
			m := maskLine(l)
			id, ok := ids[m]
			if !ok {
				id = rune(len(ids))
				ids[m] = id
			}
			rs[i], masked[i] = id, m
		}
		return rs, masked
	}
	ra, _ := symbols(a)
	rb, _ := symbols(b)
	diffs := lcs.DiffRunes(ra, rb)
	ai := 0
	keep := func(from, to int, last bool) {
		// Common lines between changes: a little context on each side.
		n := to - from
		if n <= 2*diffContext || (from == 0 && n <= diffContext) {
			for i := from; i < to; i++ {
				out = append(out, DiffLine{' ', a[i]})
			}
			return
		}
		head, tail := diffContext, diffContext
		if from == 0 {
			head = 0
		}
		if last {
			tail = 0
		}
		for i := from; i < from+head; i++ {
			out = append(out, DiffLine{' ', a[i]})
		}
		out = append(out, DiffLine{'~', fmt.Sprintf("%d lines the same", n-head-tail)})
		for i := to - tail; i < to; i++ {
			out = append(out, DiffLine{' ', a[i]})
		}
	}
	for _, d := range diffs {
		keep(ai, d.Start, false)
		for i := d.Start; i < d.End; i++ {
			out = append(out, DiffLine{'-', a[i]})
			removed++
		}
		for i := d.ReplStart; i < d.ReplEnd; i++ {
			out = append(out, DiffLine{'+', b[i]})
			added++
		}
		ai = d.End
	}
	if len(diffs) > 0 {
		keep(ai, len(a), true)
	}
	return out, removed, added
}

// ReportLine is one line of a comparison as text. Kind says what it is:
// 'h' a heading, 'd' a field that differs, 's' one that is the same, and
// the log diff's ops ' ', '-', '+', '~'.
type ReportLine struct {
	Kind byte
	Text string
}

// Report is the comparison as lines of text: the two builds, the fields
// side by side (those that differ marked), the phases, and the log diff.
func (c Comparison) Report() []ReportLine {
	var out []ReportLine
	add := func(kind byte, format string, a ...any) {
		out = append(out, ReportLine{kind, fmt.Sprintf(format, a...)})
	}
	for i, b := range []Build{c.A, c.B} {
		add('h', "%c  %s  %s  %s  %s  %s", "AB"[i], b.ShortCommit(), SanitizeInline(b.WorkerName), SanitizeInline(b.Meta.Branch), b.State(), b.UUID)
	}
	add('h', "")
	add('h', "  %-16s %-28s %s", "", "A", "B")
	for _, f := range c.Fields {
		mark, kind := ' ', byte('s')
		if !f.Same {
			mark, kind = '*', 'd'
		}
		add(kind, "%c %-16s %-28s %s", mark, f.Name, cutText(f.A, 28), f.B)
	}
	add('h', "")
	add('h', "phases A  %s", spansLine(c.PhasesA))
	add('h', "phases B  %s", spansLine(c.PhasesB))
	add('h', "")
	if c.Identity {
		add('h', "logs: the same once times, durations, sizes and ids are masked")
		return out
	}
	add('h', "logs: %d lines only in A, %d only in B (times, durations, sizes and ids masked)", c.Removed, c.Added)
	for _, d := range c.LogDiff {
		if d.Op == '~' {
			add('~', "~ %s", d.Text)
			continue
		}
		add(d.Op, "%c %s", d.Op, d.Text)
	}
	return out
}

func spansLine(spans []Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = s.Name + " " + FormatDuration(s.Duration())
		switch {
		case s.Failed:
			parts[i] += " (failed)"
		case s.Current:
			parts[i] += " (now)"
		}
	}
	return strings.Join(parts, " · ")
}

// cutText cuts s to n bytes at a rune boundary, marking the cut.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - 1
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
