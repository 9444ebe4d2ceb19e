package statusbar

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/fit"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

type keys struct{}

func (keys) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help"))}
}
func (keys) FullHelp() [][]key.Binding { return nil }

func bar(w int, info Info) string {
	s := New(styles.New(tuitest.PlainRenderer(), "auto", false), keys{})
	s.SetSize(w)
	s.SetInfo(info, tuitest.T0)
	return s.View()
}

var info = Info{Account: "acme", Workers: 12, Refreshed: tuitest.T0.Add(-3 * time.Second), NextPoll: tuitest.T0.Add(2 * time.Second),
	Budget: model.Budget{Spent: 14, Limit: 300, Reported: true, Remaining: 830, Quota: 1200}}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, w := range []int{160, 80, 30} {
		got := bar(w, info)
		if fit.Width(got) != w {
			t.Fatalf("width %d: %d cells", w, fit.Width(got))
		}
		tuitest.Golden(t, "statusbar-"+itoa(w), got)
	}
}

func TestErrorLeadsAndIsCut(t *testing.T) {
	t.Parallel()
	in := info
	in.Err, in.Retry = errors.New("Cloudflare's API failed · HTTP 502 GET /accounts/x/builds/builds/latest").Error(), "10:00:08"
	got := bar(80, in)
	if !strings.HasPrefix(got, "error, retry 10:00:08: Cloudflare's API failed") || !strings.Contains(got, "…") || fit.Width(got) != 80 {
		t.Fatalf("%q", got)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// While Cloudflare's 429 holds every request, the bar says so first, with
// the time left.
func TestRateLimitGateLeads(t *testing.T) {
	t.Parallel()
	in := info
	in.Budget.GatedUntil = tuitest.T0.Add(2600 * time.Millisecond)
	in.Err = "rate limited by Cloudflare"
	got := bar(120, in)
	if !strings.HasPrefix(got, "rate limited by Cloudflare, resuming in 3s · error: ") || fit.Width(got) != 120 {
		t.Fatalf("%q", got)
	}
	in.Budget.GatedUntil = tuitest.T0.Add(-time.Second)
	if got := bar(120, in); strings.Contains(got, "resuming") {
		t.Fatalf("a gate that has opened is still shown: %q", got)
	}
}

// TestNarrowKeepsTheBudget (#29.22): where the bar is narrow, the sweep,
// the Worker count and the next poll go before the budget; with a message
// too, the budget stays (shortened) and the message is cut.
func TestNarrowKeepsTheBudget(t *testing.T) {
	t.Parallel()
	in := info
	in.Sweep = 40 * time.Second
	for _, w := range []int{120, 80, 60, 45} {
		v := bar(w, in)
		if !strings.Contains(v, "API ") || !strings.Contains(v, "left") {
			t.Errorf("%d columns lost the budget: %q", w, v)
		}
	}
	if v := bar(80, in); strings.Contains(v, "all Workers every") || !strings.Contains(v, "refreshed") {
		t.Errorf("80 columns kept the sweep over the refresh: %q", v)
	}
	in.Flash = "started build 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b with trigger Deploy api-gateway"
	if v := bar(80, in); !strings.Contains(v, "API ") {
		t.Errorf("a message pushed the budget out: %q", v)
	}
}

// manyKeys is the dashboard's short help: four keys.
type manyKeys struct{}

func (manyKeys) ShortHelp() []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	return []key.Binding{b("?", "help"), b("tab", "next pane"), b("c", "cancel build"), b("q", "quit")}
}
func (manyKeys) FullHelp() [][]key.Binding { return nil }

// TestServedBarSaysWhoAndWhereFrom (#35.14, #35.15): served over SSH with
// events, the bar at 160 columns keeps the Workers, the news and how many
// are connected (the key hint shortens first); at 80 columns it says
// where the news comes from before when the list was last polled.
func TestServedBarSaysWhoAndWhereFrom(t *testing.T) {
	t.Parallel()
	in := info
	in.Account, in.Workers, in.Viewers, in.ReadOnly, in.News = "acme production", 6, 2, true, "events, last 2s ago"
	s := New(styles.New(tuitest.PlainRenderer(), "auto", false), manyKeys{})
	s.SetSize(160)
	s.SetInfo(in, tuitest.T0)
	v := s.View()
	for _, want := range []string{"6 Workers", "events, last 2s ago", "2 connected", "read-only", "API 830 of 1200 left"} {
		if !strings.Contains(v, want) {
			t.Errorf("160 columns lost %q: %q", want, v)
		}
	}
	in.Viewers, in.ReadOnly, in.Account = 0, false, "acme"
	if v := bar(80, in); !strings.Contains(v, "events, last 2s ago") {
		t.Errorf("80 columns dropped where the news comes from: %q", v)
	}
	s.SetInfo(Info{Account: "acme", Workers: 6, Refreshed: tuitest.T0, Budget: info.Budget}, tuitest.T0)
	if v := s.View(); !strings.Contains(v, "tab next pane") {
		t.Errorf("a bar with room lost the key hint: %q", v)
	}
}

// TestServedBarAt80SaysWhoIsConnected (#35.14): a read-only viewer's bar
// at 80 columns keeps how many are connected and where the news comes
// from (the header already says read-only).
func TestServedBarAt80SaysWhoIsConnected(t *testing.T) {
	t.Parallel()
	in := info
	in.Account, in.Workers, in.Viewers, in.ReadOnly, in.News = "acme production", 6, 2, true, "events, last 2s ago"
	v := bar(80, in)
	for _, want := range []string{"2 connected", "events, last 2s ago", "API "} {
		if !strings.Contains(v, want) {
			t.Errorf("80 columns lost %q: %q", want, v)
		}
	}
}
