package logview

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func testLogView(w, h, n int) Model {
	st := styles.New(tuitest.PlainRenderer(), "auto", false)
	v := New(st, DefaultKeyMap())
	v.Reset("api-gateway abc1234", tuitest.T0)
	v.SetSize(w, h)
	v.SetFocused(true)
	v.SetUTC(true)
	v.Append(sampleLines(n))
	return v
}

func sampleLines(n int) []model.LogLine {
	out := make([]model.LogLine, n)
	for i := range out {
		text := fmt.Sprintf("\x1b[36mstep %d\x1b[0m building chunk-%04d.js 日本 done", i+1, i)
		switch i % 17 {
		case 5:
			text = fmt.Sprintf("npm ERR! code ELIFECYCLE at step %d", i+1)
		case 11:
			text = fmt.Sprintf("a long line %d: %s", i+1, strings.Repeat("lorem ipsum ", 12))
		}
		out[i] = model.LogLine{Time: tuitest.T0.Add(time.Duration(i) * 1500 * time.Millisecond), Text: text}
	}
	return out
}

func TestLogViewGolden(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		w, hh := size[0], size[1]
		name := func(s string) string { return fmt.Sprintf("log-%s-%dx%d", s, w, hh) }

		v := testLogView(w, hh, 60)
		tuitest.Golden(t, name("following"), v.View())

		v, _ = v.Update(tuitest.Key("pgup"))
		v.Append(sampleLines(65)[60:])
		if v.NewLines() != 5 || v.Following() {
			t.Fatalf("scrolled up: %d new lines, following %v", v.NewLines(), v.Following())
		}
		tuitest.Golden(t, name("scrolled-new-lines"), v.View())

		v, _ = v.Update(tuitest.Key("G"))
		v, _ = v.Update(tuitest.Key("w"))
		tuitest.Golden(t, name("wrapped"), v.View())

		v, _ = v.Update(tuitest.Key("w"))
		v, _ = v.Update(tuitest.Key("t"))
		v, _ = v.Update(tuitest.Key("/"))
		for _, r := range "err" {
			v, _ = v.Update(tuitest.Key(string(r)))
		}
		tuitest.Golden(t, name("search-typing"), v.View())
		v, _ = v.Update(tuitest.Key("enter"))
		v, _ = v.Update(tuitest.Key("n"))
		tuitest.Golden(t, name("searching"), v.View())

		v, _ = v.Update(tuitest.Key("&"))
		tuitest.Golden(t, name("filtered"), v.View())
		for _, f := range []string{v.View()} {
			tuitest.CheckFrame(t, f, w, hh)
		}
	}
}

func TestLogViewBehaviour(t *testing.T) {
	t.Parallel()
	v := testLogView(80, 24, 100)
	if !v.Following() {
		t.Fatal("not following at start")
	}
	v, _ = v.Update(tuitest.Key("k"))
	if v.Following() {
		t.Fatal("scrolling up kept following")
	}
	v.Append(sampleLines(103)[100:])
	if v.NewLines() != 3 {
		t.Fatalf("new lines %d", v.NewLines())
	}
	v, _ = v.Update(tuitest.Key("F"))
	if !v.Following() || v.NewLines() != 0 {
		t.Fatal("F did not resume follow")
	}
	// Error jumps land on error lines.
	v, _ = v.Update(tuitest.Key("g"))
	v, _ = v.Update(tuitest.Key("e"))
	top := v.viewTop()
	found := false
	for i := top; i < top+v.contentH() && i < v.store.Len(); i++ {
		if model.LooksLikeError(v.store.At(i).Plain()) {
			found = true
		}
	}
	if !found {
		t.Fatal("e did not bring an error line on screen")
	}
	// Search: smart case, counter, new lines searched as they arrive.
	v.Search("STEP")
	if _, n := v.Matches(); n != 0 {
		t.Fatalf("upper-case query matched %d (smart case)", n)
	}
	v.Search("step")
	_, n := v.Matches()
	v.Append(sampleLines(110)[103:])
	if _, n2 := v.Matches(); n2 <= n {
		t.Fatal("new lines not searched")
	}
	if !strings.Contains(v.View(), "/") {
		t.Fatal("no i/N counter")
	}
	if !v.ClearSearch() {
		t.Fatal("esc found nothing to clear")
	}
}

func TestLogViewSafeOutput(t *testing.T) {
	t.Parallel()
	v := testLogView(60, 10, 0)
	v.Append([]model.LogLine{
		{Time: tuitest.T0, Text: "\x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x07 \x1b[2J\x1b[H cleared"},
		{Time: tuitest.T0, Text: "\x9b31m 8-bit \x1bP+q\x1b\\ dcs"},
		{Time: tuitest.T0, Text: "progress 10%\rprogress 100%"},
	})
	out := v.View()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[H", "\x1bP", "\x07", "\r"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%q reached the frame: %q", bad, out)
		}
	}
	if !strings.Contains(out, "progress 100%") || strings.Contains(out, "progress 10%progress") {
		t.Fatalf("carriage return not resolved: %q", out)
	}
}

// TestLongSearchRunsOffUpdate: a long log is searched by a command; the
// pane says so meanwhile, lines that arrive meanwhile are matched, and a
// result for an older query or another log is dropped.
func TestLongSearchRunsOffUpdate(t *testing.T) {
	t.Parallel()
	v := testLogView(80, 24, 0)
	v.Append(tuitest.LogLines(syncSearchLines+1000, 0))
	cmd := v.Search("elifecycle")
	if cmd == nil {
		t.Fatal("a long log was searched inside Update")
	}
	if !strings.Contains(v.View(), "match at line") || !strings.Contains(v.View(), "counting") || !strings.Contains(v.View(), "ELIFECYCLE") {
		t.Fatalf("the first match is not on screen at once:\n%s", v.View())
	}
	// Keys still work while it runs, and new lines are matched as they come.
	v, _ = v.Update(tuitest.Key("k"))
	v.Append(tuitest.LogLines(50, syncSearchLines+1000))
	_, during := v.Matches()
	v, _ = v.Update(cmd())
	_, total := v.Matches()
	want := 0
	for _, l := range tuitest.LogLines(syncSearchLines+1050, 0) {
		if strings.Contains(l.Text, "ELIFECYCLE") {
			want++
		}
	}
	if during == 0 || total != want || strings.Contains(v.View(), "searching") {
		t.Fatalf("matches %d during, %d after, want %d", during, total, want)
	}
	// A stale answer: the query changed before it came.
	old := v.Search("step")
	v.Search("chunk")
	_, before := v.Matches()
	v, _ = v.Update(old())
	if _, after := v.Matches(); after != before {
		t.Fatalf("a stale search result was taken: %d → %d", before, after)
	}
}

// TestTheHeaderSaysWhereYouAre: e/E name the error reached ("error 2/7")
// and mark its line, or say there is none; a search without a match says
// "no match"; one new line is "1 new line"; a cut header ends in "…".
func TestTheHeaderSaysWhereYouAre(t *testing.T) {
	t.Parallel()
	v := testLogView(80, 24, 100)
	v, _ = v.Update(tuitest.Key("g"))
	v, _ = v.Update(tuitest.Key("e"))
	// From the top, the reference line is a third down the pane: past line 6.
	if !strings.Contains(v.View(), "error 2/6") || !strings.Contains(v.View(), "23> npm ERR!") {
		t.Fatalf("e does not say which error:\n%s", v.View())
	}
	v, _ = v.Update(tuitest.Key("e"))
	if !strings.Contains(v.View(), "error 3/6") || !strings.Contains(v.View(), "40> npm ERR!") {
		t.Fatalf("the second error is not marked:\n%s", v.View())
	}
	clean := testLogView(80, 24, 5)
	clean, _ = clean.Update(tuitest.Key("e"))
	if !strings.Contains(clean.View(), "no error lines in this log") {
		t.Fatalf("a log without errors says nothing on e:\n%s", clean.View())
	}
	clean.Search("zebra")
	if !strings.Contains(clean.View(), "no match") || strings.Contains(clean.View(), "0/0") {
		t.Fatalf("no match:\n%s", clean.View())
	}
	clean, _ = clean.Update(tuitest.Key("k"))
	clean.Append(sampleLines(6)[5:])
	if !strings.Contains(clean.View(), "1 new line ") {
		t.Fatalf("one new line:\n%s", clean.View())
	}
	narrow := testLogView(30, 10, 100)
	if first := strings.SplitN(narrow.View(), "\n", 2)[0]; !strings.Contains(first, "…") {
		t.Fatalf("a cut header does not end in …: %q", first)
	}
}

// TestPhaseMarksAndJumps: a phase's first line is marked + in the gutter,
// ] and [ jump between phases and the header names the one reached.
func TestPhaseMarksAndJumps(t *testing.T) {
	t.Parallel()
	st := styles.New(tuitest.PlainRenderer(), "auto", false)
	v := New(st, DefaultKeyMap())
	v.Reset("api-gateway abc1234", tuitest.T0)
	v.SetSize(90, 12)
	v.SetFocused(true)
	lines := make([]model.LogLine, 200)
	for i := range lines {
		lines[i] = model.LogLine{Time: tuitest.T0.Add(time.Duration(i) * time.Second), Text: fmt.Sprintf("step %d", i)}
	}
	lines[10].Text = "Cloning repository..."
	lines[60].Text = "Installing project dependencies: npm clean-install"
	lines[150].Text = "Executing user build command: npm run build"
	v.Append(lines)
	marks, _ := v.Phases()
	if len(marks) != 3 || marks[1].Line != 60 || marks[2].Name != model.PhaseBuild {
		t.Fatalf("marks: %+v", marks)
	}
	v, _ = v.Update(tuitest.Key("g"))
	v, _ = v.Update(tuitest.Key("]"))
	if s := v.View(); !strings.Contains(s, "phase 1/3: clone") || !strings.Contains(s, " 11+ Cloning repository") {
		t.Fatalf("] from the top:\n%s", s)
	}
	v, _ = v.Update(tuitest.Key("]"))
	v, _ = v.Update(tuitest.Key("]"))
	if s := v.View(); !strings.Contains(s, "phase 3/3: build command") {
		t.Fatalf("] to the third:\n%s", s)
	}
	v, _ = v.Update(tuitest.Key("]"))
	if s := v.View(); !strings.Contains(s, "no phase below") {
		t.Fatalf("] past the last:\n%s", s)
	}
	v, _ = v.Update(tuitest.Key("["))
	if s := v.View(); !strings.Contains(s, "phase 2/3: install") {
		t.Fatalf("[ back:\n%s", s)
	}
}

// Errors in a log's last lines: e walks through each and then says there
// is none below, instead of sticking on the first (#25.4).
func TestErrorsAtTheEnd(t *testing.T) {
	t.Parallel()
	v := testLogView(80, 24, 0)
	var lines []model.LogLine
	for i := range 60 {
		lines = append(lines, model.LogLine{Time: tuitest.T0, Text: fmt.Sprintf("step %d", i)})
	}
	for i := range 3 {
		lines = append(lines, model.LogLine{Time: tuitest.T0, Text: fmt.Sprintf("npm ERR! failure %d", i+1)})
	}
	v.Append(lines)
	v, _ = v.Update(tuitest.Key("g"))
	for i := range 3 {
		v, _ = v.Update(tuitest.Key("e"))
		if want := fmt.Sprintf("error %d/3", i+1); !strings.Contains(v.View(), want) {
			t.Fatalf("e #%d: want %q:\n%s", i+1, want, v.View())
		}
	}
	v, _ = v.Update(tuitest.Key("e"))
	if !strings.Contains(v.View(), "no error below") || !strings.Contains(v.View(), "error 3/3") {
		t.Fatalf("past the last error:\n%s", v.View())
	}
	v, _ = v.Update(tuitest.Key("E"))
	if !strings.Contains(v.View(), "error 2/3") {
		t.Fatalf("E from the last error:\n%s", v.View())
	}
}
