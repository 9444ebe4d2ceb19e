package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
	"github.com/cfbuilds/cfbuilds/tui/statusbar"
)

func quiet() sim.Options { return sim.Options{Workers: 4, PushEvery: -1, History: 3} }

func TestLoadsAndSelectsNewest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	if n := h.m.list.Len(); n != 12 {
		t.Fatalf("list has %d builds, want 12", n)
	}
	sel, _ := h.m.list.Selected()
	newest := h.sim.Builds()[0]
	if sel.UUID != newest.UUID || h.m.selUUID != newest.UUID {
		t.Fatalf("selected %s, loaded %s, newest %s", sel.UUID, h.m.selUUID, newest.UUID)
	}
	want, _ := h.sim.LogText(newest.UUID)
	if got := h.m.log.Store().Len(); got != len(want) || !h.m.tail.Done {
		t.Fatalf("log %d lines (done %v), sim has %d", got, h.m.tail.Done, len(want))
	}
	if h.m.list.Shown()[0].WorkerName == "" {
		t.Fatal("builds carry no Worker name")
	}
}

func TestSelectionKeptByUUIDAcrossRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.keys("j", "j")
	h.advance(time.Second)
	want, _ := h.m.list.Selected()
	if h.m.selUUID != want.UUID {
		t.Fatalf("settled selection not loaded: %s vs %s", h.m.selUUID, want.UUID)
	}
	id := h.sim.Inject(sim.Spec{Worker: "webhooks", Lines: []string{"a"}, LineEvery: time.Minute})
	h.advance(h.m.opts.PollIdle + time.Second)
	if h.m.list.Shown()[0].UUID != id {
		t.Fatalf("new build not on top: %s", h.m.list.Shown()[0].UUID)
	}
	got, _ := h.m.list.Selected()
	if got.UUID != want.UUID {
		t.Fatalf("selection moved to %s from %s", got.UUID, want.UUID)
	}
}

func TestStaleRepliesDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	before := h.m.list.Len()
	// An older latest-builds poll: its seq is behind.
	h.send(latestMsg{seq: h.m.poll[pollLatest].seq - 1, builds: map[string]model.Build{"x": {UUID: "stale", Status: model.StatusRunning, WorkerTag: "x"}}})
	if h.m.list.Len() != before {
		t.Fatal("a stale latest reply was stored")
	}
	// A log reply for a previous selection.
	old := h.m.selUUID
	oldSeq := h.m.poll[pollSelected].seq
	h.keys("j")
	h.advance(time.Second)
	if h.m.selUUID == old {
		t.Fatal("selection did not move")
	}
	lines := h.m.log.Store().Len()
	h.send(selectedMsg{uuid: old, seq: oldSeq, step: stepOf(old, "late line")})
	if h.m.log.Store().Len() != lines {
		t.Fatal("a reply for the previous selection reached the log")
	}
	// A reply for the right build but an older poll.
	h.send(selectedMsg{uuid: h.m.selUUID, seq: h.m.poll[pollSelected].seq - 1, step: stepOf(h.m.selUUID, "old poll")})
	if h.m.log.Store().Len() != lines {
		t.Fatal("an older poll's reply reached the log")
	}
	// And a history reply of an older sequence.
	h.send(historyMsg{tag: "t", seq: h.m.poll[pollHistory].seq - 1, builds: []model.Build{{UUID: "stale2", WorkerTag: "t"}}})
	if _, ok := h.m.builds["stale2"]; ok {
		t.Fatal("a stale history reply was stored")
	}
}

func TestLogGrowsWhileRunning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = "step " + string(rune('A'+i%26))
	}
	id := h.sim.Inject(sim.Spec{Worker: "webhooks", Lines: lines, LineEvery: time.Second, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle + time.Second)
	h.keys("g")
	h.advance(time.Second)
	if h.m.selUUID != id {
		t.Fatalf("loaded %s, want the injected %s", h.m.selUUID, id)
	}
	var seen []int
	for range 8 {
		h.advance(5 * time.Second)
		seen = append(seen, h.m.log.Store().Len())
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("log shrank: %v", seen)
		}
	}
	if seen[0] == seen[len(seen)-1] || seen[0] == 0 {
		t.Fatalf("log did not grow: %v", seen)
	}
	h.advance(time.Minute)
	want, _ := h.sim.LogText(id)
	if h.m.log.Store().Len() != len(want) || !h.m.tail.Done {
		t.Fatalf("final log %d lines (done %v), sim has %d", h.m.log.Store().Len(), h.m.tail.Done, len(want))
	}
	for i, w := range want {
		if got := h.m.log.Store().At(i).Text; got != w {
			t.Fatalf("line %d: %q, want %q", i, got, w)
		}
	}
}

// selectActive injects a running build and loads it.
func selectActive(t *testing.T, h *harness) string {
	t.Helper()
	id := h.sim.Inject(sim.Spec{Worker: "api-gateway", Branch: "feature/x", Lines: []string{"a", "b", "c"}, LineEvery: time.Minute, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle + time.Second)
	h.keys("g")
	h.advance(time.Second)
	if h.m.selUUID != id {
		t.Fatalf("did not select the injected build")
	}
	return id
}

func TestCancelFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	id := selectActive(t, h)

	h.keys("c")
	if h.m.cancelDialog() == nil {
		t.Fatal("c did not open the dialog")
	}
	v := h.view()
	for _, want := range []string{"Cancel this build?", "api-gateway", "feature/x", "Elapsed"} {
		if !strings.Contains(v, want) {
			t.Fatalf("dialog lacks %q:\n%s", want, v)
		}
	}
	h.keys("n") // anything but y aborts
	if h.m.cancelDialog() != nil || h.sim.Requests()["cancel"] != 0 {
		t.Fatal("the default did not abort")
	}
	h.keys("c", "y")
	if n := h.sim.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel PUTs, want exactly 1", n)
	}
	b := h.m.builds[id]
	if b.State() != model.StateCancelled {
		t.Fatalf("after the confirming poll the build is %s", b.State())
	}
	h.keys("c")
	if h.m.cancelDialog() != nil || !strings.Contains(h.m.flash, "cannot be cancelled") {
		t.Fatalf("c on a stopped build: dialog %v, flash %q", h.m.cancelDialog(), h.m.flash)
	}
	if n := h.sim.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel PUTs after all, want 1", n)
	}
}

func TestCancelShowsPendingUntilPollConfirms(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	id := selectActive(t, h)
	h.keys("c")
	// Confirm, but hold the reply: run only the key's Update.
	next, cmd := h.m.Update(tuitest.Key("y"))
	h.m = next.(Model)
	if !strings.Contains(h.view(), "cancelling") {
		t.Fatal("no cancelling… while the PUT is on its way")
	}
	h.keys("y") // a second y while waiting sends nothing
	h.exec(cmd)
	if n := h.sim.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d PUTs", n)
	}
	if h.m.builds[id].State() != model.StateCancelled {
		t.Fatal("outcome not shown")
	}
}

func TestCancelErrorChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	id := selectActive(t, h)
	h.sim.SetFaults(sim.Faults{Server5xx: 1})
	h.keys("c", "y")
	if n := h.sim.Requests()["cancel"]; n != 1 {
		t.Fatalf("%d cancel PUTs under 5xx, want 1 (never retried)", n)
	}
	if h.m.list.Cancelling(id) || !h.m.builds[id].Active() {
		t.Fatal("a failed cancel changed the build")
	}
	if h.m.cancelDialog() == nil || !strings.Contains(h.m.cancelDialog().Err(), "cancel failed") {
		t.Fatalf("error not in the dialog: %+v", h.m.cancelDialog())
	}
}

func TestReadOnlyRefusesCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{ReadOnly: true})
	h.size(120, 40)
	selectActive(t, h)
	h.keys("c")
	if h.m.cancelDialog() != nil || h.sim.Requests()["cancel"] != 0 || !strings.Contains(h.m.flash, "read-only") {
		t.Fatalf("read-only: dialog %v, flash %q", h.m.cancelDialog(), h.m.flash)
	}
	if !strings.Contains(h.view(), "read-only") {
		t.Fatal("status bar does not say read-only")
	}
}

func TestPollingIntervalsAndBackoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{PollActive: 3 * time.Second, PollIdle: 30 * time.Second})
	h.size(120, 40)
	p := h.m.poll[pollLatest]
	if d := p.next.Sub(h.clock.Now()); d != 30*time.Second {
		t.Fatalf("idle interval %v, want 30s", d)
	}
	h.sim.Inject(sim.Spec{Lines: []string{"a"}, LineEvery: time.Hour})
	h.advance(30 * time.Second)
	if d := p.next.Sub(h.clock.Now()); d != 3*time.Second {
		t.Fatalf("active interval %v, want 3s", d)
	}
	h.sim.SetFaults(sim.Faults{Server5xx: 1})
	var waits []time.Duration
	for range 4 {
		h.advance(p.next.Sub(h.clock.Now()))
		waits = append(waits, p.next.Sub(h.clock.Now()))
	}
	want := []time.Duration{3 * time.Second, 6 * time.Second, 12 * time.Second, 24 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("back-off %v, want %v", waits, want)
		}
	}
	if !showsError(h.view()) {
		t.Fatal("status bar does not show the error")
	}
	h.sim.SetFaults(sim.Faults{})
	h.advance(p.next.Sub(h.clock.Now()))
	if p.err != nil || showsError(h.view()) {
		t.Fatal("error not cleared after a good poll")
	}
}

func TestRateLimitWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	// The simulator allows 3 requests: its next answers are 429 for five minutes.
	h2 := newHarness(t, sim.Options{Workers: 2, PushEvery: -1, RateLimit: 3}, Options{})
	h2.size(120, 40)
	h2.advance(2 * time.Minute)
	p := h2.m.poll[pollLatest]
	if p.err == nil {
		t.Fatal("no error after the budget ran out")
	}
	if d := p.next.Sub(h2.clock.Now()); d < time.Minute {
		t.Fatalf("retrying %v after a 429 with Retry-After 300s", d)
	}
	before := h2.sim.Requests()["total"]
	h2.advance(2 * time.Minute)
	if got := h2.sim.Requests()["total"] - before; got > 2 {
		t.Fatalf("%d requests sent while blocked", got)
	}
}

func TestClockTicksOnlyWhileActive(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	if h.m.clockOn {
		t.Fatal("a clock ticks with nothing running")
	}
	h.sim.Inject(sim.Spec{Lines: []string{"a"}, LineEvery: 2 * time.Minute, QueueFor: time.Second})
	h.advance(31 * time.Second)
	if !h.m.clockOn {
		t.Fatal("no clock while a build runs")
	}
	h.advance(3 * time.Minute)
	if h.m.clockOn {
		t.Fatal("clock still ticking after the build stopped")
	}
}

func TestEveryScreenSizeFits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	for w := 10; w <= 300; w += 7 {
		for hh := 3; hh <= 100; hh += 9 {
			h.size(w, hh)
			tuitest.CheckFrame(t, h.view(), w, hh)
		}
	}
	// A resize storm: hundreds of sizes in a row, each frame exact.
	rng := uint32(7)
	storm := 500
	if raceBuild {
		storm = 150
	}
	for i := 0; i < storm; i++ {
		rng = rng*1664525 + 1013904223
		w, hh := 10+int(rng>>8)%291, 3+int(rng>>20)%98
		h.size(w, hh)
		tuitest.CheckFrame(t, h.view(), w, hh)
	}
	// Small screens show one pane; tab switches it.
	h.size(50, 12)
	for _, want := range []string{"» Detail", "» Log", "» Builds"} {
		h.keys("tab")
		v := h.view()
		tuitest.CheckFrame(t, v, 50, 12)
		// Pane titles start a line: exactly one, the focused one.
		shown := 0
		for _, line := range strings.Split(v, "\n") {
			for _, title := range []string{"Builds", "Detail", "Log "} {
				if strings.HasPrefix(line, "» "+title) || strings.HasPrefix(line, "  "+title) {
					shown++
				}
			}
		}
		if !strings.Contains(v, want) || shown != 1 {
			t.Fatalf("after tab, want only %q on a small screen:\n%s", want, v)
		}
	}
	h.keys("?")
	tuitest.CheckFrame(t, h.view(), 50, 12)
}

func TestFilterAndActiveOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.keys("/")
	h.typeText("auth-service")
	h.keys("enter")
	for _, b := range h.m.list.Shown() {
		if b.WorkerName != "auth-service" {
			t.Fatalf("filter kept %s", b.WorkerName)
		}
	}
	if h.m.list.Len() == 0 {
		t.Fatal("filter kept nothing")
	}
	h.keys("esc")
	if h.m.list.Len() != 12 {
		t.Fatalf("esc did not clear: %d", h.m.list.Len())
	}
	h.keys("a")
	if h.m.list.Len() != 0 {
		t.Fatalf("active only shows %d stopped builds", h.m.list.Len())
	}
}

func TestHelpListsKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.keys("?")
	v := h.view()
	for _, want := range []string{"cancel build", "next error", "save log", "follow", "quit"} {
		if !strings.Contains(v, want) {
			t.Fatalf("help lacks %q", want)
		}
	}
	h.keys("esc")
	if h.m.topOverlay() != nil {
		t.Fatal("esc did not close help")
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	k := DefaultKeyMap()
	if err := k.Rebind(map[string][]string{"cancel": {"x"}, "wrap": {}}); err != nil {
		t.Fatal(err)
	}
	if k.Global.Cancel.Keys()[0] != "x" || k.Log.Wrap.Enabled() {
		t.Fatal("rebind not applied")
	}
	for _, bad := range []map[string][]string{{"nope": {"z"}}, {"cancel": {"ctrl+x"}}} {
		if err := ValidateKeys(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	if s := errorText(errors.New("a\x1b]0;x\x07b")); strings.ContainsRune(s, 0x1b) {
		t.Fatalf("escape in %q", s)
	}
}

// TestHostileTextInert: escape sequences in commit messages, branch and
// author names and log lines never reach a frame (colour is off here, so a
// frame holds no escape at all), in every pane, the dialog and help.
func TestHostileTextInert(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	hostile := "\x1b]0;T\x07\x1b]52;c;eA==\x07\x1b[2J\x1b[5;5H\x1bP+q\x1b\\\x9b1m\u009b2J\r\x08"
	h.sim.Inject(sim.Spec{Worker: "auth-service", Branch: "b" + hostile, Author: "a" + hostile,
		CommitMessage: "title" + hostile + "\n\n[x](javascript:alert(1)) " + hostile,
		Lines:         []string{"l1" + hostile, hostile, "\x1b[31mred\x1b[0m"}, LineEvery: time.Second, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle)
	h.keys("g")
	h.advance(5 * time.Second)
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 12}} {
		h.size(size[0], size[1])
		for _, step := range []string{"", "tab", "tab", "tab", "c", "esc", "?", "esc"} {
			if step != "" {
				h.keys(step)
			}
			frame := h.view()
			if i := strings.IndexFunc(frame, func(r rune) bool { return r == 0x1b || r == 0x07 || r == 0x08 || r == '\r' || r >= 0x80 && r <= 0x9f }); i >= 0 {
				t.Fatalf("%v after %q: control %q at %d in frame:\n%q", size, step, frame[i], i, frame)
			}
		}
	}
	if v := h.view(); !strings.Contains(v, "titl") {
		t.Log(v)
		t.Fatal("the hostile build is not on screen: the test proves nothing")
	}
}

// TestEverySize renders every size from 10x3 to 300x100 (with a running build
// and its log on screen) and checks each frame: exactly h lines, none wider
// than w. -short keeps to a grid.
func TestEverySize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	selectActive(t, h)
	// Every width at the heights where the layout changes (and around
	// them), every height at the widths where it changes: each layout and
	// each edge between two, without the full grid's 28,518 frames.
	heights := []int{3, 4, 5, 6, smallMaxRows - 1, smallMaxRows, smallMaxRows + 1, 24, 40, 100}
	widths := []int{10, 11, 40, smallMaxWidth - 1, smallMaxWidth, wideMinWidth - 1, wideMinWidth, wideMinWidth + 1, 200, 300}
	step := 1
	switch {
	case testing.Short():
		step = 13
	case raceBuild:
		step = 4
	}
	frames := 0
	for w := 10; w <= 300; w += step {
		for _, hh := range heights {
			h.size(w, hh)
			tuitest.CheckFrame(t, h.view(), w, hh)
			frames++
		}
	}
	for hh := 3; hh <= 100; hh += step {
		for _, w := range widths {
			h.size(w, hh)
			tuitest.CheckFrame(t, h.view(), w, hh)
			frames++
		}
	}
	t.Logf("%d frames checked", frames)
}

// TestRefreshKeepsOneSweep: r restarts polling without multiplying the
// background timers.
func TestRefreshKeepsOneSweep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	for range 5 {
		h.keys("r")
	}
	count := func() (sweeps, polls int) {
		for _, tm := range h.timers {
			switch msg := tm.msg.(type) {
			case sweepMsg:
				if msg.gen == h.m.sweepGen {
					sweeps++
				}
			case pollMsg:
				if msg.kind == pollLatest && msg.gen == h.m.poll[pollLatest].gen {
					polls++
				}
			}
		}
		return
	}
	h.advance(3 * time.Minute)
	if s, p := count(); s != 1 || p != 1 {
		t.Fatalf("after 5 refreshes: %d live sweep timers and %d latest-poll timers, want 1 and 1", s, p)
	}
}

func TestNoWorkersSaysWhy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{OnlyWorkers: []string{"not-a-worker"}})
	h.size(160, 30)
	if v := h.view(); !strings.Contains(v, "no Workers found") {
		t.Fatalf("an empty account says nothing:\n%s", v)
	}
}

// TestStatusBarShowsCloudflaresBudget: while another client spends from the
// same user's budget, the status bar shows what Cloudflare says remains, not
// only this process's own count.
func TestStatusBarShowsCloudflaresBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 2, PushEvery: -1, RateLimit: 1000}, Options{})
	h.size(200, 40)
	h.advance(time.Second)
	other, err := api.New(h.sim.AccountID(), h.sim.Token(), api.WithBaseURL(h.server.URL), api.WithScheduler(api.NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	for range 500 {
		if _, err := other.Workers(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	h.keys("r")
	h.advance(time.Second)
	left := 1000 - h.sim.Requests()["total"]
	if want := fmt.Sprintf("API %d of 1000 left", left); !strings.Contains(h.view(), want) {
		t.Fatalf("status bar lacks %q:\n%s", want, lastLine(h.view()))
	}
}

func TestBudgetText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		b    model.Budget
		want string
	}{
		{model.Budget{Spent: 12, Limit: 300}, "API 12/300 per 5m"},
		{model.Budget{Spent: 12, Limit: 300, Reported: true, Remaining: 830, Quota: 1200}, "API 830 of 1200 left"},
		{model.Budget{Reported: true, Remaining: 90, Quota: 1200, Slowed: true}, "API 90 of 1200 left, polling slowed"},
	} {
		if got := statusbar.BudgetText(tt.b); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.b, got, tt.want)
		}
	}
}

func lastLine(s string) string { return s[strings.LastIndexByte(s, '\n')+1:] }

// TestKeysTypedAhead: several runes in one message act as that many key
// presses outside a prompt, and are text inside one.
func TestKeysTypedAhead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.advance(time.Second)
	shown := h.m.list.Shown()
	burst := func(s string) { h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}) }
	burst("jjj")
	if got := h.m.list.SelectedUUID(); got != shown[3].UUID {
		t.Fatalf("jjj selected %s, want the fourth build %s", got, shown[3].UUID)
	}
	burst("kkG")
	if got := h.m.list.SelectedUUID(); got != shown[len(shown)-1].UUID {
		t.Fatalf("kkG did not end on the last build")
	}
	burst("g/auth")
	if !h.m.list.Typing() || !strings.Contains(h.view(), "filter: auth") {
		t.Fatalf("the runes after / are not the filter's text:\n%s", h.view())
	}
	h.keys("enter")
	for _, b := range h.m.list.Shown() {
		if !strings.Contains(b.WorkerName, "auth") {
			t.Fatalf("filter auth shows %s", b.WorkerName)
		}
	}
}

// TestDetailLogAndCancelFollowTheRow: with active only, the selected build
// finishing stays in the list, its detail and log on screen, until the
// person moves (#25.7); then ▸, the detail, the log and cancel all move to
// the row under it.
func TestDetailLogAndCancelFollowTheRow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	long := h.sim.Inject(sim.Spec{Worker: "auth-service", Lines: []string{"long one"}, LineEvery: time.Second, RunFor: time.Hour})
	h.advance(time.Second)
	short := h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"short one"}, LineEvery: 40 * time.Second, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle + time.Second)
	h.keys("g", "a")
	h.advance(time.Second)
	if h.m.selUUID != short {
		t.Fatalf("loaded %s, want the newest active build %s", h.m.selUUID, short)
	}
	h.advance(time.Minute) // the short build stops: it stays while watched
	if got := h.m.list.SelectedUUID(); got != short || h.m.selUUID != short || !strings.Contains(h.view(), "short one") {
		t.Fatalf("the watched build left: ▸ on %s, loaded %s", got, h.m.selUUID)
	}
	h.keys("j")
	h.advance(time.Second)
	if got := h.m.list.SelectedUUID(); got != long {
		t.Fatalf("▸ is on %s, want %s", got, long)
	}
	if h.m.selUUID != long || !strings.Contains(h.view(), "long one") {
		t.Fatalf("the detail and log did not follow ▸ to %s:\n%s", long, h.view())
	}
	h.keys("c")
	if h.m.cancelDialog() == nil || h.m.cancelDialog().Build().UUID != long {
		t.Fatalf("cancel opened for %v, want %s", h.m.cancelDialog(), long)
	}
}

// TestLiveLineFollowsTheSelection: moving the selection recomputes the
// detail's live sentence at once; unknown deployments say "checking".
func TestLiveLineFollowsTheSelection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(120, 40)
	h.advance(time.Minute)
	first, _ := h.m.shownBuild()
	h.keys("j")
	b, _ := h.m.shownBuild()
	if b.UUID == first.UUID {
		t.Fatal("j did not move the selection")
	}
	if !b.Finished() {
		t.Skip("the second build is still running in this account")
	}
	line, _ := h.m.liveLine(b)
	if line == "" || strings.Contains(line, "checking") {
		t.Fatalf("after a minute the selected build has no live sentence: %q", line)
	}
	if !strings.Contains(h.view(), line) {
		t.Fatalf("the detail does not show the selection's live sentence %q:\n%s", line, h.view())
	}
	// Deployments not read yet: the detail says it is checking, not a guess.
	delete(h.m.deploys, b.WorkerTag)
	h.m.showSelected()
	if v := h.view(); !strings.Contains(v, "checking") {
		t.Fatalf("unknown deployments are not said to be checked:\n%s", v)
	}
}

// TestHelpLegendAndReadOnly: the help has a legend of the state glyphs and,
// read-only, does not offer cancel; it fits a 50x15 screen by scrolling.
func TestHelpLegendAndReadOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{ReadOnly: true})
	h.size(140, 40)
	h.keys("?")
	v := h.view()
	for _, want := range []string{"States", "✓ succeeded", "↷ skipped", "read-only: cancel, rebuild and build are off"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "cancel build") {
		t.Errorf("read-only help offers cancel:\n%s", v)
	}
	h.size(50, 15)
	seen := map[string]bool{}
	for range 60 {
		f := h.view()
		tuitest.CheckFrame(t, f, 50, 15)
		for _, want := range []string{"quit", "next error", "skipped"} {
			if strings.Contains(f, want) {
				seen[want] = true
			}
		}
		h.keys("j")
	}
	if len(seen) != 3 {
		t.Errorf("at 50x15 the help never showed some keys: %v", seen)
	}
}

// TestLiveMarksFromTheFirstSeconds: with 23 Workers, the deployments of
// every Worker with a build on screen are read within seconds of start-up,
// not one Worker a minute.
func TestLiveMarksFromTheFirstSeconds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 23, PushEvery: -1, History: 2}, Options{})
	h.size(200, 60)
	h.advance(15 * time.Second)
	missing := map[string]bool{}
	for _, b := range h.m.list.OnScreen() {
		if _, known := h.m.deploys[b.WorkerTag]; !known {
			missing[b.WorkerName] = true
		}
	}
	if len(missing) > 0 {
		t.Fatalf("15 s after start, deployments unknown for Workers on screen: %v", missing)
	}
	if !strings.Contains(h.view(), " live ") {
		t.Fatalf("no LIVE mark on screen:\n%s", h.view())
	}
}

// failingSource is the client, with calls failing for a while.
type failingSource struct {
	*api.Client
	h model.Health
}

func (f failingSource) Health() model.Health { return f.h }

// TestRetriesAreSeen: calls failing for ten seconds and more show in the
// status bar with their next try, while the client still retries them and
// the last good data stays.
func TestRetriesAreSeen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	h.advance(time.Second)
	now := h.clock.Now()
	h.m.src = failingSource{h.client, model.Health{Failing: true, Since: now.Add(-5 * time.Second), Err: "Cloudflare's API failed · HTTP 502", NextTry: now.Add(8 * time.Second)}}
	if strings.Contains(lastLine(h.view()), "failing") {
		t.Fatal("a 5-second blip is shown")
	}
	h.m.src = failingSource{h.client, model.Health{Failing: true, Since: now.Add(-12 * time.Second), Err: "Cloudflare's API failed · HTTP 502", NextTry: now.Add(8 * time.Second)}}
	v := h.view()
	if !strings.Contains(lastLine(v), "error, retry in 8s: API failing for 12s: Cloudflare's API failed · HTTP 502") {
		t.Fatalf("status bar: %q", lastLine(v))
	}
	if !strings.Contains(v, "succeeded") {
		t.Fatal("the last good data is gone")
	}
}

// TestRefusedTokenSaysWhy: with a refused token the empty list says why,
// and ! shows the whole error with its request.
func TestRefusedTokenSaysWhy(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Options{Workers: 2, PushEvery: -1})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close() })
	bad, err := api.New(s.AccountID(), "not-a-valid-token", api.WithBaseURL(sv.URL), api.WithRetries(0, 0), api.WithScheduler(api.NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, quiet(), Options{Source: bad})
	h.size(140, 40)
	h.advance(time.Second)
	v := h.view()
	if strings.Contains(v, "no builds yet") || !strings.Contains(v, "no builds: token refused") {
		t.Fatalf("the empty list does not say why:\n%s", v)
	}
	h.keys("!")
	v = h.view()
	if !strings.Contains(v, "What went wrong") || !strings.Contains(v, "/accounts/"+s.AccountID()+"/workers/scripts") {
		t.Fatalf("! does not show the whole error with its request:\n%s", v)
	}
	h.keys("x")
	if strings.Contains(h.view(), "What went wrong") {
		t.Fatal("a key did not close the error")
	}
}

// TestHugeFieldsFromTheAPI: a 1 MB one-word commit message and a 100 KB
// branch from the API leave a dashboard that draws exact frames and quits.
func TestHugeFieldsFromTheAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	word := strings.Repeat("w", 1<<20)
	h.sim.Inject(sim.Spec{Worker: "auth-service", CommitMessage: "title" + word, Branch: word[:100<<10], Author: word[:100<<10],
		Lines: []string{"x"}, LineEvery: time.Minute})
	h.advance(h.m.opts.PollIdle + time.Second)
	h.keys("g")
	h.advance(time.Second)
	tuitest.CheckFrame(t, h.view(), 140, 40)
	b, _ := h.m.shownBuild()
	if len(b.Meta.CommitMessage) > 64<<10+8 || len(b.Meta.Branch) > 1<<10+8 {
		t.Fatalf("fields not capped where decoded: message %d, branch %d bytes", len(b.Meta.CommitMessage), len(b.Meta.Branch))
	}
	h.keys("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
}

// TestCancelDialogFollowsTheBuild: a build that stops while its cancel
// dialog is open shows as stopped, and y sends nothing.
func TestCancelDialogFollowsTheBuild(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	id := h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"a", "b"}, LineEvery: 20 * time.Second, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle + time.Second)
	h.keys("g")
	h.advance(time.Second)
	h.keys("c")
	if h.m.cancelDialog() == nil || h.m.cancelDialog().Build().UUID != id {
		t.Fatal("no dialog for the running build")
	}
	h.advance(time.Minute) // it stops with the dialog open
	if v := h.view(); !strings.Contains(v, "it has stopped") || strings.Contains(v, "(running)") {
		t.Fatalf("the dialog is stale:\n%s", v)
	}
	h.keys("y")
	if n := h.sim.Requests()["cancel"]; n != 0 {
		t.Fatalf("%d cancel requests for a stopped build", n)
	}
}

// TestSameUUIDInTwoWorkers: two Workers answering with one build uuid both
// show in the list.
func TestSameUUIDInTwoWorkers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 2, PushEvery: -1, History: 1}, Options{})
	h.size(140, 40)
	before := h.m.list.Len()
	ws := h.sim.Workers()
	a := model.Build{UUID: "dup-0000", Status: model.StatusStopped, Outcome: model.OutcomeSuccess, WorkerTag: ws[0][1], CreatedOn: t0}
	b := a
	b.WorkerTag = ws[1][1]
	h.m.store(a, b)
	if got := h.m.list.Len(); got != before+2 {
		t.Fatalf("%d builds listed, want %d: both Workers' builds", got, before+2)
	}
}

// showsError reports an error in the status bar, with or without a retry time.
func showsError(view string) bool {
	l := lastLine(view)
	return strings.Contains(l, "error: ") || strings.Contains(l, "error, retry ")
}

// TestRebuildFromTheDashboard: R asks with the trigger's settings of now
// (and says what changed), y posts once, and the new build is then
// selected and tailed; p empties the cache first; read-only refuses.
func TestRebuildFromTheDashboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	h.advance(time.Second)
	b, _ := h.m.shownBuild()
	if err := h.sim.UpdateTrigger(b.WorkerName, "pnpm build"); err != nil {
		t.Fatal(err)
	}
	h.keys("R")
	v := h.view()
	if h.m.rebuildDialog() == nil || !strings.Contains(v, "Build this again?") || !strings.Contains(v, "changed: it ran npm run build") {
		t.Fatalf("no rebuild dialog with the settings of now:\n%s", v)
	}
	h.keys("y")
	h.advance(2 * time.Second)
	if n := h.sim.Requests()["manual"]; n != 1 {
		t.Fatalf("%d manual builds posted, want 1", n)
	}
	newest := h.sim.Builds()[0]
	if h.m.selUUID != newest.UUID || newest.Commit != b.Meta.CommitHash {
		t.Fatalf("loaded %s, want the new build %s of commit %s", h.m.selUUID, newest.UUID, b.Meta.CommitHash)
	}
	h.keys("R", "p")
	h.advance(2 * time.Second)
	purges := 0
	for _, tr := range h.sim.Triggers(b.WorkerName) {
		purges += tr.Purges
	}
	if purges != 1 || h.sim.Requests()["manual"] != 2 {
		t.Fatalf("p: %d purges, %d builds", purges, h.sim.Requests()["manual"])
	}
	ro := newHarness(t, quiet(), Options{ReadOnly: true})
	ro.size(140, 40)
	ro.keys("R")
	if ro.m.rebuildDialog() != nil || !strings.Contains(ro.m.flash, "read-only") {
		t.Fatalf("read-only: dialog %v, flash %q", ro.m.rebuildDialog(), ro.m.flash)
	}
}

// TestBuildABranchFromTheDashboard: B offers the Worker's branches, takes a
// typed one, posts once to the trigger whose filters take it, and selects
// the new build.
func TestBuildABranchFromTheDashboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	h.advance(time.Second)
	b, _ := h.m.shownBuild()
	h.keys("B")
	if h.m.buildPrompt() == nil || !strings.Contains(h.view(), "Build a branch of "+b.WorkerName) || !strings.Contains(h.view(), "seen: "+b.Meta.Branch) {
		t.Fatalf("no prompt with the branches seen:\n%s", h.view())
	}
	if n := len(h.sim.Triggers(b.WorkerName)); n != 1 {
		t.Fatalf("the test wants a Worker with only its production trigger; %s has %d", b.WorkerName, n)
	}
	// A branch no trigger takes is refused, naming the trigger's filters:
	// never built with the production trigger by default (#29.3).
	h.keys("ctrl+u")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("feature/new")}) // typed ahead: text, not keys
	h.keys("enter")
	h.advance(2 * time.Second)
	if h.sim.Requests()["manual"] != 0 || !strings.Contains(h.m.flash, `no trigger's branch filters take "feature/new"`) || !strings.Contains(h.m.flash, "takes main") {
		t.Fatalf("feature/new on a main-only Worker: %d posts, flash %q", h.sim.Requests()["manual"], h.m.flash)
	}
	h.keys("B", "ctrl+u")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("main")})
	h.keys("enter")
	h.advance(2 * time.Second)
	newest := h.sim.Builds()[0]
	if h.sim.Requests()["manual"] != 1 || newest.Branch != "main" || newest.Worker != b.WorkerName || h.m.selUUID != newest.UUID {
		t.Fatalf("built %s on %s (%d posts), loaded %s", newest.Branch, newest.Worker, h.sim.Requests()["manual"], h.m.selUUID)
	}
}

// TestWhyItFailed: a failed build's detail says the phase that failed and
// its first error line once its log is read.
func TestWhyItFailed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(140, 40)
	h.sim.Inject(sim.Spec{Worker: "api-gateway", Outcome: "fail", LineEvery: 100 * time.Millisecond, QueueFor: time.Second,
		Lines: []string{"Executing user build command: npm run build", "\x1b[31m✘ [ERROR]\x1b[0m Could not resolve \"./x\"", "    at y (z.ts:1:1)",
			"Failed: error occurred while running build command"}})
	h.advance(h.m.opts.PollIdle + 10*time.Second)
	h.keys("g")
	h.advance(5 * time.Second)
	if v := h.view(); !strings.Contains(v, `failed in build command: ✘ [ERROR] Could not resolve`) {
		t.Fatalf("the detail does not say why:\n%s", v)
	}
	// f in the log jumps to that line and says so.
	h.size(200, 40)
	h.keys("enter", "f")
	if v := h.view(); !strings.Contains(v, "failed here: line 2") {
		t.Fatalf("f does not jump to the first error:\n%s", v)
	}
}

// TestDetailScrollsAt80x24 (#29.18): the focused detail scrolls at every
// size: at 80x24 its five rows reach the commit message, the author and the
// commands with j and G.
func TestDetailScrollsAt80x24(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{})
	h.size(80, 24)
	h.advance(time.Second)
	if strings.Contains(h.view(), "Author:") {
		t.Fatal("the author shows before scrolling: the test proves nothing")
	}
	h.keys("tab")
	if h.m.focus != PaneDetail || !strings.Contains(h.view(), "more ↓") {
		t.Fatalf("focus %v; no hint of more:\n%s", h.m.focus, h.view())
	}
	h.keys("G")
	if v := h.view(); !strings.Contains(v, "Author:") && !strings.Contains(v, "dash.cloudflare.com") {
		t.Fatalf("G did not reach the end of the detail:\n%s", v)
	}
	h.keys("g")
	if !strings.Contains(h.view(), "queued ") {
		t.Fatalf("g did not come back to the top:\n%s", h.view())
	}
}

// TestLogKeysFromOtherPanes (#29.21): F, w and ctrl+s pressed in the list
// act on the selected build's log instead of being lost; in one-pane mode
// the focus moves to the log to show it.
func TestLogKeysFromOtherPanes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{SaveDir: t.TempDir()})
	h.size(140, 40)
	h.advance(time.Second)
	if h.m.focus != PaneList || !h.m.log.Following() {
		t.Fatalf("focus %v, following %v", h.m.focus, h.m.log.Following())
	}
	h.keys("F")
	if h.m.log.Following() || h.m.focus != PaneList {
		t.Fatalf("F in the list: following %v, focus %v", h.m.log.Following(), h.m.focus)
	}
	h.keys("ctrl+s")
	h.advance(time.Second)
	if !strings.Contains(h.m.flash, "saved") {
		t.Fatalf("ctrl+s in the list: flash %q", h.m.flash)
	}
	small := newHarness(t, quiet(), Options{})
	small.size(50, 15)
	small.advance(time.Second)
	small.keys("w")
	if small.m.focus != PaneLog {
		t.Fatalf("w in one-pane mode left the focus on %v", small.m.focus)
	}
}
