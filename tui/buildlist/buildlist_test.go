package buildlist

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func newList(w, h int) Model {
	l := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap())
	l.SetSize(w, h)
	l.SetFocused(true)
	l.SetNow(tuitest.T0.Add(30 * time.Second))
	l.SetBuilds(tuitest.Builds(12))
	return l
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{100, 10}, {60, 8}} {
		l := newList(size[0], size[1])
		l, _ = l.Update(tuitest.Key("j"))
		frame := l.View()
		tuitest.CheckFrame(t, frame, size[0], size[1])
		tuitest.Golden(t, fmt.Sprintf("list-%dx%d", size[0], size[1]), frame)
	}
}

// TestSelectionKeptByUUID: new builds arriving on top move the cursor's row,
// not the selected build.
func TestSelectionKeptByUUID(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	l, _ = l.Update(tuitest.Key("j"))
	l, _ = l.Update(tuitest.Key("j"))
	want := l.SelectedUUID()
	bs := tuitest.Builds(14)
	l.SetBuilds(append(bs[12:], tuitest.Builds(12)...))
	if l.SelectedUUID() != want {
		t.Fatalf("selection moved to %s, want %s", l.SelectedUUID(), want)
	}
	if !l.Select(bs[13].UUID) || l.SelectedUUID() != bs[13].UUID {
		t.Fatal("Select did not move to a shown build")
	}
	if l.Select("nope") {
		t.Fatal("Select found a build that is not shown")
	}
}

func TestFilterIsText(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	l, _ = l.Update(tuitest.Key("/"))
	if !l.Typing() {
		t.Fatal("/ did not open the filter")
	}
	for _, r := range "docs" {
		l, _ = l.Update(tuitest.Key(string(r)))
	}
	l, _ = l.Update(tuitest.Key("enter"))
	for _, b := range l.Shown() {
		if b.WorkerName != "docs" {
			t.Fatalf("filter docs shows %s", b.WorkerName)
		}
	}
	if l.Len() != 4 || !strings.Contains(l.View(), `matching "docs"`) {
		t.Fatalf("%d builds shown:\n%s", l.Len(), l.View())
	}
	if !l.ClearFilter() || l.Len() != 12 {
		t.Fatal("esc did not clear the filter")
	}
}

// TestCommitFilter: ":commit SHA" shows only that commit's builds.
func TestCommitFilter(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	sha := tuitest.Builds(12)[4].Meta.CommitHash
	l.SetFilter(":commit " + sha[:7])
	if l.Len() != 1 || l.Shown()[0].Meta.CommitHash != sha {
		t.Fatalf("%d builds for commit %s", l.Len(), sha[:7])
	}
	l.SetFilter(":commit ")
	if l.Len() != 0 {
		t.Fatalf("an empty commit matched %d builds", l.Len())
	}
}

// With active-only on, the build being watched stays when it stops, until
// the person moves; then it goes at the next refresh (#25.7).
func TestActiveOnlyKeepsTheWatchedBuild(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	bs := tuitest.Builds(12)
	running := func(b model.Build) model.Build {
		b.Status, b.Outcome = model.StatusRunning, ""
		return b
	}
	stopped := func(b model.Build) model.Build {
		b.Status, b.Outcome = model.StatusStopped, model.OutcomeSuccess
		return b
	}
	for i := range bs {
		bs[i] = stopped(bs[i])
	}
	bs[2], bs[5] = running(bs[2]), running(bs[5])
	l.SetBuilds(bs)
	l.ToggleActiveOnly()
	if !l.Select(bs[5].UUID) || l.Len() != 2 {
		t.Fatalf("active only: %d shown", l.Len())
	}
	bs[5] = stopped(bs[5])
	l.SetBuilds(bs)
	if l.SelectedUUID() != bs[5].UUID || l.Len() != 2 {
		t.Fatalf("the watched build left the list when it stopped: selected %s, %d shown", l.SelectedUUID(), l.Len())
	}
	l, _ = l.Update(tuitest.Key("k"))
	l.SetBuilds(bs)
	if l.SelectedUUID() != bs[2].UUID || l.Len() != 1 {
		t.Fatalf("after moving: selected %s, %d shown", l.SelectedUUID(), l.Len())
	}
}

// One build is "1 build", not "1 builds" (#25.17).
func TestOneBuildIsSingular(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	l.SetBuilds(tuitest.Builds(1))
	if v := l.View(); !strings.Contains(v, "1 build") || strings.Contains(v, "1 builds") {
		t.Fatalf("%s", v)
	}
}

// / opens with the last filter selected: typing replaces it, so the same
// word typed twice is not "chunkchunk" (#25.14).
func TestFilterPromptReplacesTheLastOne(t *testing.T) {
	t.Parallel()
	l := newList(100, 10)
	for range 2 {
		l, _ = l.Update(tuitest.Key("/"))
		l, _ = l.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("docs")})
		l, _ = l.Update(tuitest.Key("enter"))
	}
	if !strings.Contains(l.View(), `matching "docs"`) {
		t.Fatalf("%s", l.View())
	}
}

// TestFilterCommandsSayWhatIsWrong (#37.10): ":commit HEAD", ":commit zz"
// and an unknown ":foo" match nothing and say why, naming what the filter
// knows; ":commit" with a prefix still works.
func TestFilterCommandsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]string{
		":commit HEAD": "HEAD is your checkout's",
		":commit zz":   "hex digits",
		":foo bar":     "no filter command :foo: the filter knows :commit SHA",
		"plain text":   "",
	} {
		if got := FilterProblem(q); want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
	}
	if CommitProblem("0f1e2d3") != "" {
		t.Error("a SHA prefix refused")
	}
}
