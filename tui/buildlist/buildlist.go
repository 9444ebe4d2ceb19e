// Package buildlist is the list pane: every Worker's builds, newest first,
// with the selection kept by build uuid across refreshes, a filter and an
// active-only switch.
package buildlist

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/prompt"
)

// Model is the list pane.
type Model struct {
	st   *styles.Styles
	keys KeyMap

	all      []model.Build // newest first
	shown    []model.Build // after filter and active-only
	selected string        // build uuid
	cursor   int
	offset   int

	w, h       int
	focused    bool
	now        time.Time
	absolute   bool
	utc        bool
	cancelling map[string]bool
	live       map[string]string // build uuid → "live" or "live 10%"
	emptyNote  string            // what an empty list says

	input      prompt.Model
	typing     bool
	filter     model.Matcher
	activeOnly bool
	marked     string // the build marked to compare, shown with a mark
	// problems are the builds whose trigger fails one of doctor's checks
	// (model.CheckTriggers), marked with a ! on their row.
	problems     map[string]bool
	triggerFails map[string]bool // by trigger and its settings' time: whether a check fails
	// hold is the selected build with active-only on: it stays in the list
	// after it stops, until the person moves (its log is being watched).
	hold string
	note string // said after the count (SetNote)
}

// New makes an empty list.
func New(st *styles.Styles, keys KeyMap) Model {
	in := prompt.New("filter: ", 128, st.Selected.Reverse(true))
	return Model{st: st, keys: keys, input: in, cancelling: map[string]bool{}}
}

// SetSize sets the pane's size, title row included.
func (l *Model) SetSize(w, h int) { l.w, l.h = max(w, 0), max(h, 0); l.clampOffset() }

// SetFocused says whether keys go to the list.
func (l *Model) SetFocused(f bool) { l.focused = f }

// SetNow sets the clock the relative times and durations are shown against.
func (l *Model) SetNow(t time.Time) { l.now = t }

// SetTimeDisplay picks relative or absolute times, local or UTC.
func (l *Model) SetTimeDisplay(absolute, utc bool) { l.absolute, l.utc = absolute, utc }

// SetCancelling marks a build as being cancelled (or not).
func (l *Model) SetCancelling(uuid string, on bool) {
	if on {
		l.cancelling[uuid] = true
	} else {
		delete(l.cancelling, uuid)
	}
}

// SetLive sets the marks of the builds serving traffic.
func (l *Model) SetLive(marks map[string]string) { l.live = marks }

// SetNote sets a line said after the count in the title (a commit's live
// verdict), "" none.
func (l *Model) SetNote(s string) { l.note = s }

// SetEmptyNote sets what the list says when it has no builds.
func (l *Model) SetEmptyNote(s string) { l.emptyNote = s }

// SetMarked marks the row of the build with that uuid ("" none).
func (l *Model) SetMarked(uuid string) { l.marked = uuid }

// Cancelling reports whether a cancel is pending for uuid.
func (l *Model) Cancelling(uuid string) bool { return l.cancelling[uuid] }

// SetBuilds replaces the builds (sorted newest first by the caller) and keeps
// the selection on the same build when it is still there.
func (l *Model) SetBuilds(bs []model.Build) {
	l.all = bs
	l.problems = map[string]bool{}
	if l.triggerFails == nil {
		l.triggerFails = map[string]bool{}
	}
	for _, b := range bs {
		t := b.Trigger
		if t.TriggerUUID == "" && t.TriggerName == "" {
			continue
		}
		// Every build of a trigger embeds the same settings: check each
		// trigger once, not each build at every poll.
		key := t.TriggerUUID + "|" + t.ModifiedOn.String() + "|" + t.DeployCommand
		fails, seen := l.triggerFails[key]
		if !seen {
			for _, c := range model.CheckTriggers(model.Worker{Name: b.WorkerName}, []model.Trigger{t}, nil, false) {
				fails = fails || c.Status == model.CheckFail
			}
			l.triggerFails[key] = fails
		}
		l.problems[b.UUID] = fails
	}
	l.refilter()
}

// Selected is the selected build, if any.
func (l *Model) Selected() (model.Build, bool) {
	if l.cursor >= 0 && l.cursor < len(l.shown) {
		return l.shown[l.cursor], true
	}
	return model.Build{}, false
}

// SetFilter sets the filter's text, as if typed ("main", ":commit 0f1e2d3").
func (l *Model) SetFilter(q string) {
	l.input.SetValue(q)
	l.filter = model.NewMatcher(q)
	l.refilter()
}

// SelectedUUID is the uuid of the selected build ("" none).
func (l *Model) SelectedUUID() string { return l.selected }

// OnScreen is the builds in the rows on screen now.
func (l *Model) OnScreen() []model.Build {
	from := min(l.offset, len(l.shown))
	to := min(from+max(l.rowsH(), 0), len(l.shown))
	return l.shown[from:to]
}

// Shown is the builds shown, after the filter, newest first.
func (l *Model) Shown() []model.Build { return l.shown }

// Select moves the selection to the build with that uuid, if it is shown.
func (l *Model) Select(uuid string) bool {
	for i, b := range l.shown {
		if b.UUID == uuid {
			l.move(i)
			return true
		}
	}
	return false
}

// SetStyles replaces the styles (a theme change).
func (l *Model) SetStyles(st *styles.Styles) { l.st = st }

// Len is the number of builds shown.
func (l *Model) Len() int { return len(l.shown) }

// Typing reports whether the filter prompt has the keys.
func (l *Model) Typing() bool { return l.typing }

// ToggleActiveOnly shows only queued and running builds, or all.
func (l *Model) ToggleActiveOnly() bool {
	l.activeOnly = !l.activeOnly
	l.hold = ""
	l.refilter()
	return l.activeOnly
}

// ClearFilter drops the filter; it reports whether there was one.
func (l *Model) ClearFilter() bool {
	if l.filter.Empty() && !l.activeOnly {
		return false
	}
	l.filter = model.NewMatcher("")
	l.input.SetValue("")
	l.activeOnly = false
	l.refilter()
	return true
}

func (l *Model) matches(b model.Build) bool {
	if l.activeOnly && !b.Active() && b.UUID != l.hold {
		return false
	}
	if l.filter.Empty() {
		return true
	}
	// ":commit SHA" narrows the list to one commit's builds, every Worker's;
	// another ":" word is a command the filter does not know: nothing.
	if cmd, ok := FilterCommand(l.filter.Query()); ok {
		sha, valid := strings.CutPrefix(cmd, ":commit ")
		sha = strings.ToLower(strings.TrimSpace(sha))
		return valid && CommitProblem(sha) == "" && strings.HasPrefix(b.Meta.CommitHash, sha)
	}
	for _, f := range []string{b.WorkerName, b.Meta.Branch, b.Meta.Author, b.Meta.CommitMessage, string(b.State()), b.ShortCommit()} {
		if l.filter.Match(f) {
			return true
		}
	}
	return false
}

// FilterCommand reports a filter that is a ":" command rather than text.
func FilterCommand(q string) (string, bool) {
	q = strings.TrimSpace(q)
	return q, strings.HasPrefix(q, ":")
}

// CommitProblem says what is wrong with a commit for ":commit" ("" none):
// a SHA or its prefix, in hex; HEAD is the checkout's, known only to the
// command line (cfbuilds --commit HEAD).
func CommitProblem(sha string) string {
	switch {
	case sha == "":
		return ":commit wants a commit SHA or a prefix of it"
	case strings.EqualFold(sha, "HEAD"):
		return ":commit wants a SHA: HEAD is your checkout's, known to cfbuilds --commit HEAD only"
	case strings.Trim(strings.ToLower(sha), "0123456789abcdef") != "":
		return fmt.Sprintf(":commit wants a SHA in hex digits, not %q", model.SanitizeInline(sha))
	}
	return ""
}

// FilterProblem says why a ":" filter cannot match ("" when it is plain
// text or a command that is right): the commands it knows are named.
func FilterProblem(q string) string {
	cmd, ok := FilterCommand(q)
	if !ok {
		return ""
	}
	if sha, isCommit := strings.CutPrefix(cmd+" ", ":commit "); isCommit {
		return CommitProblem(strings.TrimSpace(sha))
	}
	word, _, _ := strings.Cut(cmd, " ")
	return fmt.Sprintf("no filter command %s: the filter knows :commit SHA; other text matches Worker, branch, author, message, state and commit", model.SanitizeInline(word))
}

func (l *Model) refilter() {
	l.shown = l.shown[:0]
	for _, b := range l.all {
		if l.matches(b) {
			l.shown = append(l.shown, b)
		}
	}
	l.cursor = 0
	for i, b := range l.shown {
		if b.UUID == l.selected {
			l.cursor = i
			break
		}
	}
	if len(l.shown) > 0 {
		l.selected = l.shown[l.cursor].UUID
		if l.activeOnly && l.shown[l.cursor].Active() {
			l.hold = l.selected
		}
	}
	l.clampOffset()
}

func (l *Model) rowsH() int {
	h := l.h - 2 // title and column header
	if l.typing {
		h--
	}
	return max(h, 0)
}

func (l *Model) clampOffset() {
	rows := max(l.rowsH(), 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	l.offset = max(min(l.offset, len(l.shown)-rows), 0)
}

func (l *Model) move(to int) {
	if len(l.shown) == 0 {
		return
	}
	l.cursor = max(min(to, len(l.shown)-1), 0)
	if l.shown[l.cursor].UUID != l.selected {
		l.hold = "" // the person moved: a stopped build they left goes at the next refresh
	}
	l.selected = l.shown[l.cursor].UUID
	if l.activeOnly && l.shown[l.cursor].Active() {
		l.hold = l.selected
	}
	l.clampOffset()
}

// Update handles the list's keys.
func (l Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return l, nil
	}
	if l.typing {
		switch km.Type {
		case tea.KeyEnter, tea.KeyEsc:
			l.typing = false
			l.input.Close()
			if km.Type == tea.KeyEsc {
				l.input.SetValue("")
			}
			l.filter = model.NewMatcher(l.input.Value())
			l.refilter()
			return l, nil
		}
		var cmd tea.Cmd
		l.input, cmd = l.input.Update(km)
		l.filter = model.NewMatcher(l.input.Value())
		l.refilter()
		return l, cmd
	}
	n := l.keys
	page := max(l.rowsH(), 1)
	switch {
	case key.Matches(km, n.Up):
		l.move(l.cursor - 1)
	case key.Matches(km, n.Down):
		l.move(l.cursor + 1)
	case key.Matches(km, n.Top):
		l.move(0)
	case key.Matches(km, n.Bottom):
		l.move(len(l.shown) - 1)
	case key.Matches(km, n.HalfUp):
		l.move(l.cursor - page/2)
	case key.Matches(km, n.HalfDown):
		l.move(l.cursor + page/2)
	case key.Matches(km, n.PageUp):
		l.move(l.cursor - page)
	case key.Matches(km, n.PageDown):
		l.move(l.cursor + page)
	case key.Matches(km, l.keys.Filter):
		l.typing = true
		return l, l.input.Open(l.input.Value()) // typing replaces the last filter
	}
	return l, nil
}

// relTime is "12s ago", "5m ago", or an absolute time when so configured.
func (l *Model) relTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if l.absolute {
		if l.utc {
			t = t.UTC()
		} else {
			t = t.Local()
		}
		if l.now.Sub(t) < 20*time.Hour {
			return t.Format("15:04:05")
		}
		return t.Format("Jan 02 15:04")
	}
	d := l.now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// rowCells are the texts of one row, already sanitized.
type rowCells struct {
	state, worker, branch, commit, live, title, trigger, created, dur string
}

// cells gives a build's row texts.
func (l *Model) cells(b model.Build) rowCells {
	c := rowCells{
		state:   string(b.State()),
		worker:  model.SanitizeInline(b.WorkerName),
		branch:  model.SanitizeInline(b.Meta.Branch),
		commit:  model.SanitizeInline(b.ShortCommit()),
		title:   model.SanitizeInline(b.CommitTitle()),
		trigger: model.SanitizeInline(b.Meta.Source),
		created: l.relTime(b.CreatedOn),
		dur:     model.FormatDuration(b.Duration(l.now)),
	}
	if l.cancelling[b.UUID] && b.Active() {
		c.state = "cancelling" + l.st.Ellipsis()
	}
	c.live = l.live[b.UUID]
	if c.trigger == "pull_request" {
		c.trigger = "PR"
	}
	if b.Status == model.StatusQueued {
		c.dur = "-"
	}
	return c
}

var headerCells = rowCells{state: "STATE", worker: "WORKER", branch: "BRANCH", commit: "COMMIT", live: "LIVE", title: "MESSAGE", trigger: "TRIGGER", created: "CREATED", dur: "TIME"}

// layout sets the cells in columns for width w; columns drop out as the pane
// narrows, the Worker and branch grow as it widens, and the commit title
// takes what is left. The state word stays from 56 cells: a glyph alone
// needs a legend (the help has one). Where the title would get fewer than
// minTitle cells, whole columns drop (the least needed first) rather than
// the words be cut to a letter; the last column keeps a cell off the
// pane's edge.
func (l *Model) layout(c rowCells, w int) string {
	ell := l.st.Ellipsis()
	type col struct {
		text  string
		width int
		min   int // the pane width from which the column shows
		drop  int // the order in which it gives way to the title (0: never)
	}
	grow := func(lo, hi int) int { return min(max(w/7, lo), hi) }
	cols := []col{
		{c.state, 12, 56, 4},
		{c.worker, grow(16, 28), 0, 0},
		{c.branch, grow(14, 32), 50, 6},
		{c.commit, 7, 110, 2},
		{c.live, 4, 40, 5},
		{c.title, 0, 0, 0}, // flexible
		{c.trigger, 7, 130, 1},
		{c.created, 8, 72, 3},
		{c.dur, 6, 0, 0},
	}
	const minTitle = 12
	shown := func(cl col) bool { return w >= cl.min }
	fixed := func() int {
		n := 5 // cursor, glyph, spaces, and a cell off the edge
		for _, cl := range cols {
			if shown(cl) && cl.width > 0 {
				n += cl.width + 1
			}
		}
		return n
	}
	for d := 1; d <= 6 && w-fixed() < minTitle; d++ {
		for i := range cols {
			if cols[i].drop == d {
				cols[i].min = math.MaxInt
			}
		}
	}
	var parts []string
	for _, cl := range cols {
		if !shown(cl) {
			continue
		}
		width := cl.width
		if width == 0 {
			width = max(w-fixed(), 0)
			if width == 0 {
				continue
			}
		}
		parts = append(parts, fit.Column(cl.text, width, ell))
	}
	return strings.Join(parts, " ")
}

// row renders one build in width w.
func (l *Model) row(b model.Build, w int, selected bool) string {
	state := b.State()
	glyph := l.st.Glyph(state)
	line := l.layout(l.cells(b), w)
	mark, styledMark := " ", " "
	switch {
	case b.UUID == l.marked:
		mark = l.st.Mark()
		styledMark = l.st.Accent.Render(mark)
	case l.problems[b.UUID]:
		// Its trigger's settings will fail builds: the detail says which.
		mark = "!"
		styledMark = l.st.Failure.Render(mark)
	}
	if selected {
		// A cursor mark as well as the highlight: visible without colour.
		return l.st.Selected.Render(fit.Column(l.st.Cursor()+mark+glyph+" "+line, w, l.st.Ellipsis()))
	}
	return " " + styledMark + l.st.ForState(state).Render(glyph) + " " + line
}

// View renders exactly h rows of at most w cells.
func (l Model) View() string {
	if l.h <= 0 || l.w <= 0 {
		return ""
	}
	info := fmt.Sprintf("%d builds", len(l.shown))
	if len(l.shown) == 1 {
		info = "1 build"
	}
	if !l.filter.Empty() {
		info += fmt.Sprintf(" matching %q", model.SanitizeInline(l.filter.Query()))
	}
	if l.activeOnly {
		info += " · active only"
	}
	if l.note != "" {
		info += " · " + l.note
	}
	lines := []string{l.st.PaneTitleFor("Builds", l.focused) + l.st.Muted.Render("  "+info)}
	if l.h > 1 {
		lines = append(lines, l.st.Muted.Render("    "+l.layout(headerCells, l.w)))
	}
	if len(l.shown) == 0 {
		msg := "no builds yet"
		if l.emptyNote != "" {
			msg = l.emptyNote
		}
		if !l.filter.Empty() || l.activeOnly {
			msg = "no builds match (esc clears the filter)"
		}
		if p := FilterProblem(l.filter.Query()); p != "" {
			msg = p + " (esc clears the filter)"
		}
		lines = append(lines, l.st.Muted.Render(msg))
	}
	rows := l.rowsH()
	for i := l.offset; i < len(l.shown) && i < l.offset+rows; i++ {
		lines = append(lines, l.row(l.shown[i], l.w, i == l.cursor))
	}
	if l.typing {
		for len(lines) < l.h-1 {
			lines = append(lines, "")
		}
		l.input.SetWidth(l.w)
		lines = append(lines, l.input.View())
	}
	return fit.Block(lines, l.w, l.h)
}
