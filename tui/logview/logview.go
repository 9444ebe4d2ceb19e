// Package logview is the log pane: it owns a build's line store and renders
// only the rows on screen, so a frame costs the same at ten lines or a
// million. It follows the end until the user scrolls up; it searches,
// filters, wraps and jumps between error lines.
package logview

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/prompt"
)

// TimestampMode is how log lines show their time.
type TimestampMode int

// The timestamp modes `t` cycles through.
const (
	TimestampsOff TimestampMode = iota
	TimestampsClock
	TimestampsElapsed
)

// Model is the log pane: it owns a build's line store and renders only the
// rows on screen, so a frame costs the same at ten lines or a million. It
// follows the end until the user scrolls up; searches, filters, wraps and
// jumps between error lines.
type Model struct {
	st   *styles.Styles
	keys KeyMap

	store    *model.Store
	errLines []int // indexes of lines that look like errors, ascending
	phases   model.PhaseTracker
	failLine int // the failed build's first error (model.FailureOf), -1 unknown
	maxWidth int

	w, h    int
	focused bool
	title   string
	note    string // loading, complete, an error

	follow      bool
	top, topSub int // first row on screen when not following: view index and wrapped row
	newLines    int // lines arrived while scrolled up
	wrap        bool
	x           int
	ts          TimestampMode
	start       time.Time
	utc         bool

	input       prompt.Model
	typing      bool
	matcher     model.Matcher
	matches     []int // store indexes of matching lines, ascending
	searchSeq   int   // bumped by each search and reset: a stale result is dropped
	searching   bool  // a background search is under way
	firstHit    int   // while searching: the first match found at once, -1 none
	cur         int   // index into matches of the current match, -1 none
	onlyMatches bool

	curErr int    // index into errLines of the error jumped to, -1 none
	notice string // a word on the last key ("no error below"), until the next

	// wrapped caches how many rows each long line wraps to; a pointer so
	// the copies bubbletea makes of the model share it.
	wrapped *wrapCache
}

type wrapCache struct {
	width int
	rows  map[int]int
}

// New makes an empty log pane.
func New(st *styles.Styles, keys KeyMap) Model {
	in := prompt.New("/", 256, st.Selected.Reverse(true))
	return Model{st: st, keys: keys, input: in, store: model.NewStore(), follow: true, cur: -1, curErr: -1, failLine: -1, wrapped: &wrapCache{rows: map[int]int{}}}
}

// Reset empties the pane for another build.
func (v *Model) Reset(title string, start time.Time) {
	v.store = model.NewStore()
	v.errLines, v.matches, v.maxWidth = nil, nil, 0
	v.phases = model.PhaseTracker{}
	v.failLine = -1
	v.searchSeq++
	v.searching = false
	v.follow, v.top, v.topSub, v.newLines, v.x, v.cur, v.curErr, v.notice = true, 0, 0, 0, 0, -1, -1, ""
	v.title, v.start, v.note = title, start, ""
	v.wrapped = &wrapCache{rows: map[int]int{}}
	v.onlyMatches = false
}

// SetStyles replaces the styles (a theme change).
func (v *Model) SetStyles(st *styles.Styles) { v.st = st }

// SetStart sets the time elapsed timestamps count from.
func (v *Model) SetStart(t time.Time) { v.start = t }

// SetNote sets the pane's status note ("loading…", "complete", an error).
func (v *Model) SetNote(s string) { v.note = s }

// SetSize sets the pane's size, title row included.
func (v *Model) SetSize(w, h int) { v.w, v.h = max(w, 0), max(h, 0) }

// SetFocused says whether keys go to the pane.
func (v *Model) SetFocused(f bool) { v.focused = f }

// SetUTC shows clock timestamps in UTC.
func (v *Model) SetUTC(utc bool) { v.utc = utc }

// SetFailLine sets the line of the failed build's first error (-1 none),
// for f to jump to.
func (v *Model) SetFailLine(i int) { v.failLine = i }

// Phases is where the log's phases start, and whether a deploy showed.
func (v *Model) Phases() ([]model.PhaseMark, bool) { return v.phases.Marks, v.phases.Deployed }

// Store is the pane's line store (read-only to callers).
func (v *Model) Store() *model.Store { return v.store }

// Typing reports whether the search prompt has the keys.
func (v *Model) Typing() bool { return v.typing }

// Following reports whether the pane sticks to the end.
func (v *Model) Following() bool { return v.follow }

// NewLines is the count of lines that arrived while scrolled up.
func (v *Model) NewLines() int { return v.newLines }

// Matches is the number of matching lines and the current one (1-based, 0 none).
func (v *Model) Matches() (cur, total int) { return v.cur + 1, len(v.matches) }

// Append adds raw lines: O(lines added) however long the log is.
func (v *Model) Append(lines []model.LogLine) {
	var plain []byte
	for _, l := range lines {
		i := v.store.Len()
		line := model.NewLine(l.Time, l.Text)
		v.store.AppendLine(line)
		v.maxWidth = max(v.maxWidth, line.Width())
		plain = model.AppendPlain(plain[:0], line.Text)
		if model.LooksLikeError(plain) {
			v.errLines = append(v.errLines, i)
		}
		v.phases.Add(l.Time, plain)
		if !v.matcher.Empty() && v.matcher.MatchBytes(plain) {
			v.matches = append(v.matches, i)
		}
	}
	if !v.follow {
		v.newLines += len(lines)
	}
}

// syncSearchLines is the longest log searched inside Update: a few
// milliseconds. A longer one is searched by a command over a snapshot of
// the store, so keys keep working meanwhile.
const syncSearchLines = 20_000

// SearchDoneMsg carries the matches a background search found in the lines
// it saw (up to Upto); lines appended since were searched as they came.
type SearchDoneMsg struct {
	seq     int
	upto    int
	matches []int
}

// Search sets the query (smart case) and finds every matching line. A long
// log is searched off the Update path: the returned command does it and
// answers with SearchDoneMsg, which Update takes unless the query or the
// log changed meanwhile.
func (v *Model) Search(q string) tea.Cmd {
	v.matcher = model.NewMatcher(q)
	v.matches = v.matches[:0:0]
	v.cur = -1
	v.searchSeq++
	v.searching = false
	if v.matcher.Empty() {
		v.onlyMatches = false
		return nil
	}
	if v.store.Len() <= syncSearchLines {
		v.matches = findMatches(v.store, v.matcher)
		if len(v.matches) > 0 {
			v.jumpToMatch(v.firstMatchFromView())
		}
		return nil
	}
	// Lines appended from now on are matched by Append; the command covers
	// the ones already stored.
	snap, m, seq := v.store.Snapshot(), v.matcher, v.searchSeq
	v.searching = true
	// The first match near where the user looks shows at once: a bounded
	// scan (a few milliseconds), forward from the screen's top, then back,
	// while the count runs behind.
	v.firstHit = -1
	var plain []byte
	hit := func(i int) bool {
		plain = model.AppendPlain(plain[:0], v.store.At(i).Text)
		return m.MatchBytes(plain)
	}
	from := v.storeIndex(v.viewTop())
	for i, n := from, 0; i < v.store.Len() && n < syncSearchLines/2 && v.firstHit < 0; i, n = i+1, n+1 {
		if hit(i) {
			v.firstHit = i
		}
	}
	for i, n := from-1, 0; i >= 0 && n < syncSearchLines/2 && v.firstHit < 0; i, n = i-1, n+1 {
		if hit(i) {
			v.firstHit = i
		}
	}
	if v.firstHit >= 0 && !v.onlyMatches {
		v.jumpTo(v.firstHit)
	}
	return func() tea.Msg {
		return SearchDoneMsg{seq: seq, upto: snap.Len(), matches: findMatches(snap, m)}
	}
}

// findMatches is every line of s that m matches, in order.
func findMatches(s *model.Store, m model.Matcher) []int {
	var out []int
	var plain []byte // one buffer for every line: no allocation per line
	for i, n := 0, s.Len(); i < n; i++ {
		plain = model.AppendPlain(plain[:0], s.At(i).Text)
		if m.MatchBytes(plain) {
			out = append(out, i)
		}
	}
	return out
}

// searchDone takes a background search's matches, unless stale.
func (v *Model) searchDone(msg SearchDoneMsg) {
	if msg.seq != v.searchSeq || !v.searching {
		return // another query, or another build's log
	}
	v.searching = false
	// Append matched the lines that came after the snapshot, all past it.
	v.matches = append(msg.matches, v.matches...)
	if len(v.matches) > 0 {
		v.jumpToMatch(v.firstMatchFromView())
	}
}

// firstMatchFromView picks the first match at or below the top of the screen.
func (v *Model) firstMatchFromView() int {
	topLine := v.storeIndex(v.viewTop())
	i := sort.SearchInts(v.matches, topLine)
	if i >= len(v.matches) {
		i = len(v.matches) - 1
	}
	return i
}

// --- view space: all lines, or only the matching ones ---

func (v *Model) viewLen() int {
	if v.onlyMatches {
		return len(v.matches)
	}
	return v.store.Len()
}

func (v *Model) storeIndex(vi int) int {
	if v.onlyMatches {
		if vi < 0 || vi >= len(v.matches) {
			return 0
		}
		return v.matches[vi]
	}
	return vi
}

func (v *Model) viewIndexOf(storeIdx int) int {
	if !v.onlyMatches {
		return storeIdx
	}
	return sort.SearchInts(v.matches, storeIdx)
}

// --- geometry ---

func (v *Model) contentH() int {
	h := v.h - 1 // title row
	if v.typing {
		h--
	}
	return max(h, 0)
}

func (v *Model) gutterW() int {
	return len(strconv.Itoa(max(v.store.Len(), 999))) + 2 // digits, marker, space
}

func (v *Model) tsW() int {
	switch v.ts {
	case TimestampsClock:
		return 9
	case TimestampsElapsed:
		return 10
	}
	return 0
}

func (v *Model) contentW() int { return max(v.w-v.gutterW()-v.tsW(), 1) }

// rowsOf is how many screen rows view line vi takes.
func (v *Model) rowsOf(vi int) int {
	if !v.wrap {
		return 1
	}
	cw := v.contentW()
	si := v.storeIndex(vi)
	l := v.store.At(si)
	if l.Width() <= cw {
		return 1
	}
	if v.wrapped.width != cw {
		v.wrapped.width, v.wrapped.rows = cw, map[int]int{}
	}
	if n, ok := v.wrapped.rows[si]; ok {
		return n
	}
	n := len(v.wrapLine(v.lineText(si, l), cw))
	v.wrapped.rows[si] = n
	return n
}

// viewTop is the view index of the first row on screen.
func (v *Model) viewTop() int {
	if v.follow {
		t, _ := v.bottomAnchor()
		return t
	}
	return v.top
}

// bottomAnchor is the position whose rows fill the screen to the last line.
func (v *Model) bottomAnchor() (int, int) {
	n := v.viewLen()
	need := v.contentH()
	for i := n - 1; i >= 0; i-- {
		r := v.rowsOf(i)
		if r >= need {
			return i, r - need
		}
		need -= r
	}
	return 0, 0
}

// atBottom reports whether the rows from the anchor reach past the screen's end.
func (v *Model) atBottom() bool {
	bt, bs := v.bottomAnchor()
	return v.top > bt || v.top == bt && v.topSub >= bs
}

func (v *Model) unfollow() {
	if v.follow {
		v.top, v.topSub = v.bottomAnchor()
		v.follow = false
	}
}

func (v *Model) resumeFollow() {
	v.follow, v.newLines = true, 0
}

func (v *Model) scrollUp(n int) {
	v.unfollow()
	for n > 0 {
		if v.topSub >= n {
			v.topSub -= n
			return
		}
		n -= v.topSub + 1
		if v.top == 0 {
			v.topSub = 0
			return
		}
		v.top--
		v.topSub = v.rowsOf(v.top) - 1
	}
}

func (v *Model) scrollDown(n int) {
	if v.follow {
		return
	}
	for n > 0 && v.top < v.viewLen() {
		r := v.rowsOf(v.top)
		if v.topSub+n < r {
			v.topSub += n
			break
		}
		n -= r - v.topSub
		v.top++
		v.topSub = 0
	}
	if v.atBottom() {
		v.resumeFollow()
	}
}

// jumpTo shows view line vi a third of the way down the screen.
func (v *Model) jumpTo(vi int) {
	v.follow = false
	v.top, v.topSub = vi, 0
	v.scrollUp(v.contentH() / 3)
	if v.atBottom() {
		v.top, v.topSub = v.bottomAnchor()
	}
}

func (v *Model) jumpToMatch(i int) {
	if i < 0 || i >= len(v.matches) {
		return
	}
	v.cur = i
	v.jumpTo(v.viewIndexOf(v.matches[i]))
}

// jumpError moves to the next (dir 1) or previous (-1) error line from the
// top of the screen.
func (v *Model) jumpError(dir int) {
	if len(v.errLines) == 0 {
		v.notice = "no error lines in this log"
		return
	}
	// From the error jumped to while it is on screen (at the end of a log
	// it cannot be a third down); else from the line a third down, where
	// jumpTo puts things.
	ref := v.storeIndex(min(v.viewTop()+v.contentH()/3, max(v.viewLen()-1, 0)))
	if v.curErr >= 0 && v.curErr < len(v.errLines) && v.onScreen(v.errLines[v.curErr]) {
		ref = v.errLines[v.curErr]
	}
	var i int
	if dir > 0 {
		if i = sort.SearchInts(v.errLines, ref+1); i >= len(v.errLines) {
			v.notice = "no error below"
			return
		}
	} else {
		if i = sort.SearchInts(v.errLines, ref) - 1; i < 0 {
			v.notice = "no error above"
			return
		}
	}
	v.curErr = i
	if v.onlyMatches {
		v.onlyMatches = false
	}
	v.jumpTo(v.errLines[i])
}

// onScreen reports whether the log line at store index si is on screen.
func (v *Model) onScreen(si int) bool {
	top := v.viewTop()
	last := min(top+v.contentH()-1, v.viewLen()-1)
	return last >= top && si >= v.storeIndex(top) && si <= v.storeIndex(last)
}

// jumpPhase moves to the start of the next (dir 1) or previous (-1) phase
// from the line a third down the screen, and names it.
func (v *Model) jumpPhase(dir int) {
	marks := v.phases.Marks
	if len(marks) == 0 {
		v.notice = "no phase lines in this log"
		return
	}
	ref := v.storeIndex(min(v.viewTop()+v.contentH()/3, max(v.viewLen()-1, 0)))
	i := -1
	for j, m := range marks {
		if dir > 0 && m.Line > ref && i < 0 {
			i = j
		}
		if dir < 0 && m.Line < ref {
			i = j
		}
	}
	if i < 0 {
		v.notice = "no phase below"
		if dir < 0 {
			v.notice = "no phase above"
		}
		return
	}
	v.onlyMatches = false
	v.notice = fmt.Sprintf("phase %d/%d: %s", i+1, len(marks), marks[i].Name)
	v.jumpTo(marks[i].Line)
}

// isPhaseStart reports a line that starts a phase (a handful per log).
func (v *Model) isPhaseStart(si int) bool {
	for _, m := range v.phases.Marks {
		if m.Line == si {
			return true
		}
	}
	return false
}

// Update handles the pane's keys.
func (v Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if done, ok := msg.(SearchDoneMsg); ok {
		v.searchDone(done)
		return v, nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return v, nil
	}
	v.notice = ""
	if v.typing {
		return v, v.promptKey(km)
	}
	for _, handle := range []func(tea.KeyMsg) (tea.Cmd, bool){v.moveKey, v.searchKey, v.jumpKey, v.viewKey} {
		if cmd, ok := handle(km); ok {
			return v, cmd
		}
	}
	return v, nil
}

// promptKey is a key while the search prompt is open.
func (v *Model) promptKey(km tea.KeyMsg) tea.Cmd {
	switch km.Type {
	case tea.KeyEnter:
		v.typing = false
		v.input.Close()
		return v.Search(v.input.Value())
	case tea.KeyEsc:
		v.typing = false
		v.input.Close()
		v.input.SetValue("") // esc clears the search, as it clears the list's filter
		return v.Search("")
	}
	var cmd tea.Cmd
	v.input, cmd = v.input.Update(km)
	return cmd
}

// moveKey scrolls: lines, pages, top and bottom, follow.
func (v *Model) moveKey(km tea.KeyMsg) (tea.Cmd, bool) {
	n := v.keys
	page := max(v.contentH(), 1)
	switch {
	case key.Matches(km, n.Up):
		v.scrollUp(1)
	case key.Matches(km, n.Down):
		v.scrollDown(1)
	case key.Matches(km, n.HalfUp):
		v.scrollUp(page / 2)
	case key.Matches(km, n.HalfDown):
		v.scrollDown(page / 2)
	case key.Matches(km, n.PageUp):
		v.scrollUp(page)
	case key.Matches(km, n.PageDown):
		v.scrollDown(page)
	case key.Matches(km, n.Top):
		v.follow, v.top, v.topSub = false, 0, 0
	case key.Matches(km, n.Bottom), key.Matches(km, n.Follow) && !v.follow:
		v.resumeFollow()
	case key.Matches(km, n.Follow):
		v.unfollow()
	case key.Matches(km, n.Left):
		if !v.wrap {
			v.x = max(v.x-8, 0)
		}
	case key.Matches(km, n.Right):
		if !v.wrap {
			v.x = min(v.x+8, max(v.maxWidth-v.contentW(), 0))
		}
	default:
		return nil, false
	}
	return nil, true
}

// searchKey opens the search, moves between matches, filters to them.
func (v *Model) searchKey(km tea.KeyMsg) (tea.Cmd, bool) {
	l := v.keys
	switch {
	case key.Matches(km, l.Search):
		v.typing = true
		return v.input.Open(v.matcher.Query()), true // typing replaces the last search
	case key.Matches(km, l.Next):
		if len(v.matches) > 0 {
			v.jumpToMatch((v.cur + 1) % len(v.matches))
		}
	case key.Matches(km, l.Prev):
		if len(v.matches) > 0 {
			v.jumpToMatch((v.cur - 1 + len(v.matches)) % len(v.matches))
		}
	case key.Matches(km, l.FilterMatches):
		if !v.matcher.Empty() {
			v.onlyMatches = !v.onlyMatches
			v.resumeFollow()
			if v.cur >= 0 {
				v.jumpToMatch(v.cur)
			}
		}
	default:
		return nil, false
	}
	return nil, true
}

// jumpKey jumps to errors, the first error of a failure, phases.
func (v *Model) jumpKey(km tea.KeyMsg) (tea.Cmd, bool) {
	l := v.keys
	switch {
	case key.Matches(km, l.NextError):
		v.jumpError(1)
	case key.Matches(km, l.PrevError):
		v.jumpError(-1)
	case key.Matches(km, l.FirstError):
		if v.failLine < 0 || v.failLine >= v.store.Len() {
			v.notice = "no failure read from this log (f works on a failed build's complete log)"
		} else {
			v.onlyMatches = false
			v.notice = fmt.Sprintf("failed here: line %d", v.failLine+1)
			v.jumpTo(v.failLine)
		}
	case key.Matches(km, l.NextPhase):
		v.jumpPhase(1)
	case key.Matches(km, l.PrevPhase):
		v.jumpPhase(-1)
	default:
		return nil, false
	}
	return nil, true
}

// viewKey changes how the log shows: wrap, timestamps; and saves it.
func (v *Model) viewKey(km tea.KeyMsg) (tea.Cmd, bool) {
	l := v.keys
	switch {
	case key.Matches(km, l.Wrap):
		top := v.viewTop()
		v.wrap = !v.wrap
		v.x = 0
		if !v.follow {
			v.top, v.topSub = top, 0
		}
	case key.Matches(km, l.Timestamps):
		v.ts = (v.ts + 1) % 3
	case key.Matches(km, l.Save):
		return func() tea.Msg { return SaveMsg{} }, true
	default:
		return nil, false
	}
	return nil, true
}

// ClearSearch drops the query and the filter; it reports whether there was one.
func (v *Model) ClearSearch() bool {
	if v.matcher.Empty() && !v.onlyMatches {
		return false
	}
	v.Search("")
	v.input.SetValue("")
	return true
}
