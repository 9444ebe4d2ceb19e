// Package detail is the detail pane: the selected build's commit, people,
// commands, timings and links, and which deployment serves it.
package detail

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// Model is the detail pane: the selected build's commit, people, commands,
// timings and links. The markdown part is rendered with glamour and cached
// per (build, width); the live part (state, durations) is drawn each frame.
type Model struct {
	problems  []string // doctor's failing checks of the build's trigger
	st        *styles.Styles
	w, h      int
	focused   bool
	offset    int
	accountID string
	glamStyle string
	keys      KeyMap
	link      func(url, text string) string // an OSC 8 link where the terminal shows them

	build    model.Build
	hasBuild bool
	live     string // serving / superseded / never deployed
	failure  model.Failure
	failedID string // the build the failure is of
	outside  string // the Worker's live version came from outside Builds
	phases   Phases
	usual    model.Usual
	now      time.Time
	utc      bool

	// cache is shared by the copies bubbletea makes of the model, so a
	// render done in View is kept.
	cache *detailCache
}

// maxRenderers bounds the glamour renderers kept, one per width.
const maxRenderers = 4

type detailCache struct {
	key       string
	body      []string
	renderers map[int]*glamour.TermRenderer
}

// New makes the pane; glamStyle is a glamour standard style ("dark",
// "light", "notty").
func New(st *styles.Styles, keys KeyMap, accountID, glamStyle string) Model {
	return Model{st: st, keys: keys, accountID: accountID, glamStyle: glamStyle,
		link:  func(_, text string) string { return text },
		cache: &detailCache{renderers: map[int]*glamour.TermRenderer{}}}
}

// SetLinker sets how a URL is written: as an OSC 8 link where the terminal
// shows them, else as its text.
func (d *Model) SetLinker(link func(url, text string) string) { d.link = link }

// SetStyles replaces the styles (a theme change).
func (d *Model) SetStyles(st *styles.Styles) { d.st = st }

// Update scrolls the body with the pane's keys.
func (d Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	k := d.keys
	switch {
	case key.Matches(km, k.Down):
		d.Scroll(1)
	case key.Matches(km, k.Up):
		d.Scroll(-1)
	case key.Matches(km, k.PageDown), key.Matches(km, k.HalfDown):
		d.Scroll(d.h / 2)
	case key.Matches(km, k.PageUp), key.Matches(km, k.HalfUp):
		d.Scroll(-d.h / 2)
	case key.Matches(km, k.Top):
		d.Scroll(-1 << 20)
	case key.Matches(km, k.Bottom):
		d.Scroll(1 << 20)
	}
	return d, nil
}

// SetSize sets the pane's size, title row included.
func (d *Model) SetSize(w, h int) { d.w, d.h = max(w, 0), max(h, 0) }

// SetFocused says whether keys go to the pane.
func (d *Model) SetFocused(f bool) { d.focused = f }

// SetNow sets the clock for durations.
func (d *Model) SetNow(t time.Time) { d.now = t }

// SetUTC shows times in UTC.
func (d *Model) SetUTC(utc bool) { d.utc = utc }

// SetBuild shows a build (or none).
func (d *Model) SetBuild(b model.Build, ok bool) {
	if b.UUID != d.build.UUID {
		d.offset = 0
	}
	d.build, d.hasBuild = b, ok
	d.problems = settingsProblems(b) // here, not in View: once a build, not once a frame
}

// SetFailure sets why build uuid failed (read from its log).
func (d *Model) SetFailure(uuid string, f model.Failure) { d.failedID, d.failure = uuid, f }

// SetLive sets the lines on which build serves traffic.
func (d *Model) SetLive(live, outside string) { d.live, d.outside = live, outside }

// Scroll moves the content (timings and body, under the title) by n rows:
// at 80x24 the pane holds five rows, and the commit message, the author,
// the commands and the link must still be reachable.
func (d *Model) Scroll(n int) {
	if !d.hasBuild {
		return
	}
	d.offset = max(min(d.offset+n, d.lastOffset()), 0)
}

// content is what the pane shows under its title.
func (d Model) content() []string {
	return append(d.timings(d.build), d.body(d.build, max(d.w-2, 10))...)
}

// lastOffset is the offset that puts the content's last row on the pane's.
func (d Model) lastOffset() int { return max(len(d.content())-max(d.h-1, 1), 0) }

// Bounds on what of a commit message's body is rendered: its first lines,
// and no word longer than the pane (a word is broken first), so the work of
// any one message is bounded whatever it holds.
const (
	maxBodyLines = 40
	maxBodyBytes = 4 << 10
)

// boundText is the first lines of s, within maxBodyBytes, with every word
// longer than the pane's width broken.
func boundText(s string, w int) []string {
	w = max(w-4, 10)
	var out []string
	size := 0
	for _, line := range strings.Split(s, "\n") {
		if len(out) >= maxBodyLines || size >= maxBodyBytes {
			out = append(out, "…")
			break
		}
		if len(line) > maxBodyBytes-size {
			line = fit.Truncate(line, maxBodyBytes-size, "…")
		}
		size += len(line)
		out = append(out, strings.Split(ansi.Wrap(line, w, ""), "\n")...)
	}
	return out
}

// cut bounds s to n bytes before any per-character work on it (a cut mid
// rune is made whole by the sanitizer that follows).
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// escapeMarkdown makes untrusted text literal: no emphasis, no links, no
// raw HTML, so what a commit message says is exactly what shows.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// markdown is the static part of the detail. Every untrusted field is
// sanitized, then escaped.
func (d *Model) markdown(b model.Build) string {
	// A field is cut to two widths: glamour's word wrap is quadratic in
	// the length of a word, and a field is untrusted.
	safe := func(s string) string {
		return escapeMarkdown(fit.Truncate(model.SanitizeInline(cut(s, 8*d.w)), max(2*d.w, 40), d.st.Ellipsis()))
	}
	var md strings.Builder
	msg := model.SanitizeText(strings.TrimSpace(cut(b.Meta.CommitMessage, 2*maxBodyBytes)))
	_, rest, _ := strings.Cut(msg, "\n") // the title is drawn outside glamour
	if rest = strings.TrimSpace(rest); rest != "" {
		for _, line := range boundText(rest, d.w) {
			fmt.Fprintf(&md, "%s  \n", escapeMarkdown(line))
		}
		md.WriteString("\n")
	}
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&md, "- %s: %s\n", k, v)
		}
	}
	row("Worker", safe(b.WorkerName))
	row("Author", safe(b.Meta.Author))
	row("Branch", safe(b.Meta.Branch))
	row("Commit", safe(b.Meta.CommitHash))
	row("Trigger", safe(b.Meta.Source))
	repo := b.Meta.RepoName
	if b.Meta.ProviderAccountName != "" && repo != "" && !strings.Contains(repo, "/") {
		repo = b.Meta.ProviderAccountName + "/" + repo // once: repo_name may hold the owner already
	}
	if b.Meta.ProviderType != "" && repo != "" {
		repo += " (" + b.Meta.ProviderType + ")"
	}
	row("Repository", safe(repo))
	cmd := func(k, v string) {
		if v != "" {
			row(k, "`"+strings.ReplaceAll(model.SanitizeInline(v), "`", "'")+"`")
		}
	}
	cmd("Build command", b.Meta.BuildCommand)
	cmd("Deploy command", b.Meta.DeployCommand)
	cmd("Root directory", b.Meta.RootDirectory)
	row("Build", "`"+model.SanitizeInline(b.UUID)+"`")
	return md.String()
}

func (d *Model) renderer(w int) *glamour.TermRenderer {
	if r, ok := d.cache.renderers[w]; ok {
		return r
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(d.glamStyle), glamour.WithWordWrap(w), glamour.WithEmoji())
	if err != nil {
		return nil
	}
	// A renderer per width, but only the last few widths: resizing through
	// every width must not keep a renderer for each.
	if len(d.cache.renderers) >= maxRenderers {
		clear(d.cache.renderers)
	}
	d.cache.renderers[w] = r
	return r
}

// body renders (or takes from the cache) the markdown part at width w.
// title is the commit's first line, cut to the width with an ellipsis: a
// heading drawn by glamour's plain style would show a literal "## ".
func (d *Model) title(b model.Build, w int) string {
	t := model.SanitizeInline(cut(b.CommitTitle(), 8*w))
	if t == "" {
		t = "(no commit message)"
	}
	return fit.Truncate(t, max(w-2, 1), d.st.Ellipsis())
}

func (d *Model) body(b model.Build, w int) []string {
	key := fmt.Sprintf("%s|%d|%s|%s", b.UUID, w, b.WorkerName, b.Meta.CommitHash)
	if key == d.cache.key {
		return d.cache.body
	}
	md := d.markdown(b)
	var out string
	if r := d.renderer(w); r != nil {
		if s, err := r.Render(md); err == nil {
			out = s
		}
	}
	if out == "" {
		out = md
	}
	lines := []string{"  " + d.st.Header.Render(d.title(b, w)), ""}
	for _, l := range strings.Split(strings.Trim(out, "\n"), "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	lines = append(lines, d.links(b, w)...)
	d.cache.key, d.cache.body = key, lines
	return lines
}

// links shows the pull request and the dashboard URL in full, outside
// glamour (which would wrap them at any punctuation): the text is always the
// URL itself, so its target is never hidden, and where the terminal shows
// OSC 8 links each of its rows is a link to the whole URL.
func (d *Model) links(b model.Build, w int) []string {
	type link struct{ label, url string }
	var ls []link
	if b.PullRequest != nil && b.PullRequest.URL != "" {
		ls = append(ls, link{"Pull request", model.SanitizeInline(b.PullRequest.URL)})
	}
	if u := model.SanitizeInline(b.PreviewURL); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		ls = append(ls, link{"Preview", u})
	}
	if b.WorkerName != "" && d.accountID != "" {
		ls = append(ls, link{"Dashboard", model.DashboardURL(d.accountID, b.WorkerName, b.UUID)})
	}
	var out []string
	// Where the terminal shows OSC 8 links, one line: a URL broken across
	// lines cannot be clicked; cut, it ends in "…" and the link (and y/Y)
	// still carry it whole. Where it does not, the label alone would hide
	// the target: the whole URL, broken at the pane's width.
	linked := d.link("https://example.com", "x") != "x"
	for _, l := range ls {
		out = append(out, "  "+d.st.Muted.Render(l.label))
		if linked {
			out = append(out, "  "+d.link(l.url, fit.Truncate(l.url, max(w-2, 8), d.st.Ellipsis())))
			continue
		}
		for _, part := range strings.Split(ansi.Hardwrap(l.url, max(w-2, 8), false), "\n") {
			out = append(out, "  "+part)
		}
	}
	return out
}

// settingsProblems are the doctor's checks that fail on the build's
// trigger, as the build embeds it (cfbuilds doctor says the same), such as
// a Pages deploy command on a Worker.
func settingsProblems(b model.Build) []string {
	if b.Trigger.TriggerUUID == "" && b.Trigger.TriggerName == "" {
		return nil // no trigger said: nothing to check
	}
	var out []string
	for _, c := range model.CheckTriggers(model.Worker{Name: b.WorkerName}, []model.Trigger{b.Trigger}, nil, false) {
		if c.Status == model.CheckFail {
			out = append(out, c.Message)
		}
	}
	return out
}

// timings is the live part: state, queued/started/finished and durations.
func (d *Model) timings(b model.Build) []string {
	state := b.State()
	head := d.st.ForState(state).Render(d.st.Glyph(state)+" "+string(state)) + d.st.Muted.Render("  "+model.FormatDuration(b.Duration(d.now)))
	at := func(t time.Time) string {
		if d.utc {
			t = t.UTC()
		} else {
			t = t.Local()
		}
		return t.Format("2006-01-02 15:04:05")
	}
	lines := []string{head}
	// Why it failed comes first: it is what a failed build is opened for.
	if f := d.failure; d.failedID == b.UUID && (f.Text != "" || f.Hint != "") {
		what := "failed"
		if f.Phase != "" {
			what += " in " + f.Phase
		}
		if f.Text != "" {
			what += ": " + model.SanitizeInline(f.Text)
		}
		lines = append(lines, d.st.Failure.Render(what))
		if f.Hint != "" {
			lines = append(lines, d.st.Warning.Render("hint: "+f.Hint))
		}
	}
	for _, p := range d.problems {
		lines = append(lines, d.st.Failure.Render(d.st.Mark()+" settings: "+p))
	}
	start := b.RunningOn
	if b.InitializingOn != nil {
		start = b.InitializingOn
	}
	// One line for both: how long it waited is in the phases line.
	if !b.CreatedOn.IsZero() {
		queued := at(b.CreatedOn)
		line := d.st.Muted.Render("queued   ") + queued
		if start != nil {
			started := at(*start)
			if started[:10] == queued[:10] {
				started = started[11:] // the same day: the time is enough
			}
			line += d.st.Muted.Render("  started ") + started
		}
		lines = append(lines, line)
	}
	if b.StoppedOn != nil {
		run := ""
		if start != nil {
			run = fmt.Sprintf("  ran %s", model.FormatDuration(b.StoppedOn.Sub(*start)))
		}
		lines = append(lines, d.st.Muted.Render("finished ")+at(*b.StoppedOn)+d.st.Muted.Render(run))
	}
	if t := d.timeline(b); t != "" {
		lines = append(lines, t)
	}
	if u := d.usualLine(b); u != "" {
		lines = append(lines, u)
	}
	if d.live != "" {
		style := d.st.Muted
		if strings.HasPrefix(d.live, "serving") {
			style = d.st.Live
		}
		lines = append(lines, d.st.Muted.Render("live     ")+style.Render(d.live))
	}
	if d.outside != "" {
		lines = append(lines, d.st.Warning.Render(d.outside))
	}
	if nd := d.noDeploy(b); nd != "" {
		lines = append(lines, nd)
	}
	return lines
}

// View renders exactly h rows of at most w cells.
func (d Model) View() string {
	if d.h <= 0 || d.w <= 0 {
		return ""
	}
	lines := []string{d.st.PaneTitleFor("Detail", d.focused)}
	if !d.hasBuild {
		lines = append(lines, d.st.Muted.Render("no build selected"))
		return fit.Block(lines, d.w, d.h)
	}
	content := d.content()
	off := min(d.offset, max(len(content)-max(d.h-1, 1), 0))
	if more := len(content) - off - (d.h - 1); more > 0 || off > 0 {
		// Say where the rest is, on the title row.
		hint := fmt.Sprintf("  %d more ↓", max(more, 0))
		if more <= 0 {
			hint = "  ↑ top: g"
		}
		if !d.focused {
			hint += " (tab)"
		}
		lines[0] += d.st.Muted.Render(hint)
	}
	for _, l := range content[off:] {
		if len(lines) >= d.h {
			break
		}
		lines = append(lines, l)
	}
	// Whatever is cut says so (the live sentence, a long command).
	for i, l := range lines {
		if fit.Width(l) > d.w {
			lines[i] = ansi.Truncate(l, d.w, d.st.Ellipsis())
		}
	}
	return fit.Block(lines, d.w, d.h)
}
