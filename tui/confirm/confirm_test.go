package confirm

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func newDialog() Model {
	d := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap(), tuitest.Builds(1)[0])
	d.SetNow(tuitest.T0.Add(75 * time.Second))
	d.SetSize(80, 24)
	return d
}

func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func TestYesConfirmsOnce(t *testing.T) {
	t.Parallel()
	d := newDialog()
	d, cmd := d.Update(tuitest.Key("y"))
	if msg, ok := run(cmd).(ConfirmedMsg); !ok || msg.Build.UUID != d.Build().UUID || !d.Sent() {
		t.Fatalf("y: %#v, sent %v", run(cmd), d.Sent())
	}
	for _, k := range []string{"y", "Y", "n", "esc"} {
		if _, cmd := d.Update(tuitest.Key(k)); cmd != nil {
			t.Fatalf("%s after confirming sent %#v", k, run(cmd))
		}
	}
	d.Failed("permission missing")
	if d.Sent() || !strings.Contains(d.View(), "permission missing") {
		t.Fatalf("after a failure:\n%s", d.View())
	}
}

func TestAnythingElseKeepsTheBuild(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"n", "esc", "enter", "c", "q"} {
		_, cmd := newDialog().Update(tuitest.Key(k))
		if _, ok := run(cmd).(AbortedMsg); !ok {
			t.Errorf("%s: %#v, want AbortedMsg", k, run(cmd))
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tuitest.Golden(t, "confirm", newDialog().View())
	// Narrow screens wrap the dialog to their width: every word shows,
	// none is cut (#25.16).
	for _, w := range []int{50, 30, 20, 10} {
		d := newDialog()
		d.SetSize(w, 15)
		v := d.View()
		for _, line := range strings.Split(v, "\n") {
			if lipgloss.Width(line) > w {
				t.Fatalf("width %d: a line of %d cells:\n%s", w, lipgloss.Width(line), v)
			}
		}
		flat := strings.Join(strings.Fields(strings.NewReplacer("│", " ", "|", " ").Replace(v)), " ")
		if !strings.Contains(flat, "keep it (default: No)") {
			t.Fatalf("width %d: the default is cut:\n%s", w, v)
		}
	}
}
