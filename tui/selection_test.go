package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// TestTheDetailAndLogShowTheListsSelection (#35.13): a filter that matches
// nothing leaves the detail and the log empty, and c names no build; after
// G the old build's log is gone at once, before the cursor settles; esc
// brings the selection back.
func TestTheDetailAndLogShowTheListsSelection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(160, 40)
	h.advance(10 * time.Second)
	loaded := h.m.selUUID
	if loaded == "" || h.m.log.Store().Len() == 0 {
		t.Fatalf("setup: loaded %q with %d lines", loaded, h.m.log.Store().Len())
	}
	h.keys("G") // the oldest build, far from the loaded one
	if h.m.selUUID == loaded || h.m.log.Store().Len() != 0 {
		t.Fatalf("after G the old build's log is still shown:\n%s", h.view())
	}
	h.advance(time.Second) // it settles: the build under ▸ loads
	if under := h.m.list.SelectedUUID(); h.m.selUUID != under {
		t.Fatalf("loaded %q, under ▸ %q", h.m.selUUID, under)
	}
	h.keys("/")
	// The text in one read, as a terminal sends it when typed fast: the
	// list hides the build at once, never passing through another.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("no-such-build-anywhere")})
	h.keys("enter")
	if h.m.list.Len() != 0 || h.m.selUUID != "" || h.m.log.Store().Len() != 0 {
		t.Fatalf("a filter matching nothing left %q loaded (%d lines)", h.m.selUUID, h.m.log.Store().Len())
	}
	if _, ok := h.m.shownBuild(); ok {
		t.Fatal("the detail shows a build the list does not")
	}
	h.keys("c")
	if h.m.cancelDialog() != nil || !strings.Contains(h.m.flash, "no build selected") {
		t.Fatalf("c with no build shown: dialog %v, flash %q", h.m.cancelDialog() != nil, h.m.flash)
	}
	h.keys("esc")
	h.advance(time.Second)
	if _, ok := h.m.shownBuild(); !ok || h.m.selUUID == "" {
		t.Fatal("esc did not bring a selection back")
	}
}

// TestBangShowsWhatTheBarCut (#35.16): a read-only explanation cut at 80
// columns and a queue that cannot be read are both whole behind !.
func TestBangShowsWhatTheBarCut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{Events: idleFeed{}, ReadOnly: true,
		ReadOnlyWhy: "your SSH key is not in the server's operators file (cfbuilds serve --operators)"})
	h.size(80, 24)
	h.advance(time.Second)
	h.send(eventsMsg{batch: model.EventBatch{Next: 1, State: model.EventState{Queue: "q", Problem: "events from queue cfbuilds-events not read: no such queue in this account (cfbuilds events setup makes it)"}}})
	h.keys("c")
	if strings.Contains(h.view(), "cfbuilds serve --operators") {
		t.Fatalf("setup: the explanation fits at 80 columns:\n%s", h.view())
	}
	h.keys("!")
	v := strings.Join(strings.Fields(h.view()), " ")
	for _, want := range []string{"cfbuilds serve --operators", "no such queue in this account (cfbuilds events setup makes it)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("! does not show %q:\n%s", want, h.view())
		}
	}
}
