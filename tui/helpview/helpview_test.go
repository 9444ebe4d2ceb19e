package helpview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func overlay(w, h int) Model {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	m := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap())
	m.SetGroups([]Group{
		{Title: "Move", Keys: []key.Binding{b("j", "down"), b("k", "up"), b("g", "top"), b("G", "bottom")}},
		{Title: "Builds", Keys: []key.Binding{b("c", "cancel build"), b("r", "refresh"), b("q", "quit")}},
		{Title: "Log", Keys: []key.Binding{b("/", "search"), b("e", "next error"), b("w", "wrap")}},
	})
	m.SetSize(w, h)
	return m
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, s := range [][2]int{{100, 12}, {30, 12}} {
		frame := overlay(s[0], s[1]).View()
		tuitest.CheckFrame(t, frame, s[0], s[1])
		tuitest.Golden(t, "help-"+map[int]string{100: "wide", 30: "narrow"}[s[0]], frame)
	}
}

// TestNarrowScrolls: columns stack when narrow, and every key can be
// reached by scrolling.
func TestNarrowScrolls(t *testing.T) {
	t.Parallel()
	m := overlay(30, 8)
	seen := map[string]bool{}
	for range 40 {
		for _, want := range []string{"down", "cancel build", "next error", "wrap"} {
			if strings.Contains(m.View(), want) {
				seen[want] = true
			}
		}
		m, _ = m.Update(tuitest.Key("j"))
	}
	if len(seen) != 4 {
		t.Fatalf("scrolling reached only %v", seen)
	}
}

// TestBottomAndTop (#29.19): G and end reach the last line at once, g and
// home the first, as the overlay itself lists them.
func TestBottomAndTop(t *testing.T) {
	t.Parallel()
	for _, keys := range [][2]string{{"G", "g"}, {"end", "home"}} {
		m := overlay(30, 8)
		if strings.Contains(m.View(), "wrap") {
			t.Fatal("the last key shows at once: the test proves nothing")
		}
		m, _ = m.Update(tuitest.Key(keys[0]))
		if !strings.Contains(m.View(), "wrap") {
			t.Fatalf("%s did not reach the bottom:\n%s", keys[0], m.View())
		}
		m, _ = m.Update(tuitest.Key(keys[1]))
		if !strings.Contains(m.View(), "Keys") {
			t.Fatalf("%s did not come back to the top:\n%s", keys[1], m.View())
		}
	}
}
