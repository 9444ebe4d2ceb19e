package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// TestDashboardGolden renders the dashboard at three sizes with colour off and
// a fixed clock: a running build selected, its log half written.
func TestDashboardGolden(t *testing.T) {
	t.Parallel()
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

// TestThemeGolden renders the dashboard in 24-bit colour for each theme, and
// in the ASCII glyph set, so a change of colour or glyph shows in review.
func TestThemeGolden(t *testing.T) {
	t.Parallel()
	for _, theme := range []string{"dark", "light", "high-contrast", "colorblind", "ascii"} {
		t.Run(theme, func(t *testing.T) {
			opts := Options{Theme: theme}
			if theme == "ascii" {
				opts = Options{ASCII: true}
			}
			h := newHarness(t, sim.Options{Workers: 3, PushEvery: -1, History: 3}, opts)
			if theme != "ascii" {
				r := tuitest.ColourRenderer()
				h.m.setStyles(styles.New(r, theme, false))
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
	t.Parallel()
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
		h.m.list.Select(id)
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
