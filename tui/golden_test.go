package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// TestDashboardGolden renders the dashboard at three sizes with colour off and
// a fixed clock: a running build selected, its log half written.
func TestDashboardGolden(t *testing.T) {
	h := newHarness(t, sim.Options{Workers: 5, PushEvery: -1, History: 4}, Options{})
	lines := []string{"Initializing build environment...", "\x1b[32mSuccess:\x1b[0m Finished initializing", "Cloning repository...",
		"Installing dependencies: npm clean-install", "added 412 packages in 6s", "Executing user build command: npm run build",
		"vite v5.4.10 building for production...", "\x1b[31m✘ [ERROR]\x1b[0m Could not resolve \"./routes/missing\"",
		"npm ERR! code ELIFECYCLE", "Failed: error occurred while running build command"}
	h.sim.Inject(sim.Spec{Worker: "auth-service", Branch: "fix/session-refresh", Author: "ada@acme.dev",
		CommitMessage: "Fix race in session refresh\n\nThe refresh token was read twice when two tabs\nwoke up at once.",
		Lines:         lines, LineEvery: 10 * time.Second, QueueFor: 2 * time.Second})
	h.size(120, 40)
	h.advance(h.m.opts.PollIdle)
	h.keys("g")
	h.advance(17 * time.Second)
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 12}} {
		h.size(size[0], size[1])
		frame := h.view()
		tuitest.CheckFrame(t, frame, size[0], size[1])
		tuitest.Golden(t, fmt.Sprintf("dashboard-%dx%d", size[0], size[1]), frame)
	}
	// Small screens: tab shows the log alone.
	h.keys("tab", "tab")
	tuitest.Golden(t, "dashboard-40x12-log", h.view())
}

func testLogView(w, h, n int) LogView {
	st := styles.New(tuitest.PlainRenderer(), "auto", false)
	v := NewLogView(st, DefaultKeyMap())
	v.Reset("api-gateway abc1234", t0)
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
		out[i] = model.LogLine{Time: t0.Add(time.Duration(i) * 1500 * time.Millisecond), Text: text}
	}
	return out
}

func TestLogViewGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		w, hh := size[0], size[1]
		name := func(s string) string { return fmt.Sprintf("log-%s-%dx%d", s, w, hh) }

		v := testLogView(w, hh, 60)
		tuitest.Golden(t, name("following"), v.View())

		v, _ = v.Update(keyMsg("pgup"))
		v.Append(sampleLines(65)[60:])
		if v.NewLines() != 5 || v.Following() {
			t.Fatalf("scrolled up: %d new lines, following %v", v.NewLines(), v.Following())
		}
		tuitest.Golden(t, name("scrolled-new-lines"), v.View())

		v, _ = v.Update(keyMsg("G"))
		v, _ = v.Update(keyMsg("w"))
		tuitest.Golden(t, name("wrapped"), v.View())

		v, _ = v.Update(keyMsg("w"))
		v, _ = v.Update(keyMsg("t"))
		v, _ = v.Update(keyMsg("/"))
		for _, r := range "err" {
			v, _ = v.Update(keyMsg(string(r)))
		}
		tuitest.Golden(t, name("search-typing"), v.View())
		v, _ = v.Update(keyMsg("enter"))
		v, _ = v.Update(keyMsg("n"))
		tuitest.Golden(t, name("searching"), v.View())

		v, _ = v.Update(keyMsg("&"))
		tuitest.Golden(t, name("filtered"), v.View())
		for _, f := range []string{v.View()} {
			tuitest.CheckFrame(t, f, w, hh)
		}
	}
}

func TestLogViewBehaviour(t *testing.T) {
	v := testLogView(80, 24, 100)
	if !v.Following() {
		t.Fatal("not following at start")
	}
	v, _ = v.Update(keyMsg("k"))
	if v.Following() {
		t.Fatal("scrolling up kept following")
	}
	v.Append(sampleLines(103)[100:])
	if v.NewLines() != 3 {
		t.Fatalf("new lines %d", v.NewLines())
	}
	v, _ = v.Update(keyMsg("F"))
	if !v.Following() || v.NewLines() != 0 {
		t.Fatal("F did not resume follow")
	}
	// Error jumps land on error lines.
	v, _ = v.Update(keyMsg("g"))
	v, _ = v.Update(keyMsg("e"))
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
	v := testLogView(60, 10, 0)
	v.Append([]model.LogLine{
		{Time: t0, Text: "\x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x07 \x1b[2J\x1b[H cleared"},
		{Time: t0, Text: "\x9b31m 8-bit \x1bP+q\x1b\\ dcs"},
		{Time: t0, Text: "progress 10%\rprogress 100%"},
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

// TestThemeGolden renders the dashboard in 24-bit colour for each theme, and
// in the ASCII glyph set, so a change of colour or glyph shows in review.
func TestThemeGolden(t *testing.T) {
	for _, theme := range []string{"dark", "light", "high-contrast", "colorblind", "ascii"} {
		t.Run(theme, func(t *testing.T) {
			opts := Options{Theme: theme}
			if theme == "ascii" {
				opts = Options{ASCII: true}
			}
			h := newHarness(t, sim.Options{Workers: 3, PushEvery: -1, History: 3}, opts)
			if theme != "ascii" {
				r := tuitest.ColourRenderer()
				h.m.st = styles.New(r, theme, false)
				h.m.list.st, h.m.detail.st, h.m.log.st = h.m.st, h.m.st, h.m.st
			}
			h.sim.Inject(sim.Spec{Worker: "auth-service", Lines: []string{"\x1b[31mred\x1b[0m", "npm ERR! code 1"}, LineEvery: time.Minute})
			h.advance(h.m.opts.PollIdle)
			h.size(80, 24)
			frame := h.view()
			tuitest.CheckFrame(t, frame, 80, 24)
			tuitest.Golden(t, "theme-"+theme, frame)
		})
	}
}

// TestLiveGolden shows, for each way a build can stand in its Worker's
// deployments, the list's live marks and the detail's sentence.
func TestLiveGolden(t *testing.T) {
	h := newHarness(t, sim.Options{Workers: 5, PushEvery: -1, History: 2, Undeployed: []string{"marketing-site"}}, Options{})
	one := func(worker string) string {
		return h.sim.Inject(sim.Spec{Worker: worker, Outcome: "success", Lines: []string{"deploying"}, LineEvery: time.Second, QueueFor: time.Second})
	}
	normal := one("api-gateway")
	oldGradual := one("auth-service")
	rolledAway := one("image-resizer")
	outside := one("webhooks")
	never := one("marketing-site")
	h.advance(time.Minute)
	newGradual := one("auth-service")
	h.advance(time.Minute)
	h.sim.Deploy(sim.DeploySpec{Worker: "auth-service", Source: "wrangler", TriggeredBy: "deployment", Message: "canary",
		Versions: []sim.DeployVersion{{BuildUUID: newGradual, Percentage: 10}, {BuildUUID: oldGradual, Percentage: 90}}})
	h.sim.Deploy(sim.DeploySpec{Worker: "image-resizer", Source: "dash", TriggeredBy: "rollback", Message: "Rollback: errors",
		Versions: []sim.DeployVersion{{BuildUUID: h.sim.Builds()[len(h.sim.Builds())-1].UUID, Percentage: 100}}})
	h.sim.Deploy(sim.DeploySpec{Worker: "webhooks", Source: "wrangler", TriggeredBy: "upload", Author: "linus@acme.dev",
		Message: "hotfix \x1b]0;from laptop\x07", Versions: []sim.DeployVersion{{Percentage: 100}}})
	h.size(120, 40)
	h.advance(h.m.opts.PollIdle)
	cases := []struct{ name, id string }{{"normal", normal}, {"gradual-new", newGradual}, {"gradual-old", oldGradual},
		{"superseded-by-rollback", rolledAway}, {"outside-builds", outside}, {"never-deployed", never}}
	for _, c := range cases {
		name, id := c.name, c.id
		// Select the build: move the list to it, let the selection settle
		// and its Worker's deployments arrive.
		for i := 0; i < h.m.list.Len(); i++ {
			if h.m.list.shown[i].UUID == id {
				h.m.list.move(i)
			}
		}
		h.send(settleMsg{gen: h.m.selGen})
		h.advance(10 * time.Second)
		if h.m.selUUID != id {
			t.Fatalf("%s: selected %s, want %s", name, h.m.selUUID, id)
		}
		frame := h.view()
		tuitest.CheckFrame(t, frame, 120, 40)
		tuitest.Golden(t, "live-"+name, frame)
	}
}
