package detail

import (
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/charmbracelet/x/ansi"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func newDetail(w, h int) Model {
	d := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap(), "0123456789abcdef0123456789abcdef", "ascii")
	d.SetSize(w, h)
	d.SetUTC(true)
	d.SetNow(tuitest.T0.Add(40 * time.Second))
	d.SetBuild(tuitest.Builds(3)[1], true)
	d.SetLive("serving 100% since 2026-11-27 09:55:00", "")
	return d
}

func TestGolden(t *testing.T) {
	t.Parallel()
	d := newDetail(70, 24)
	frame := d.View()
	tuitest.CheckFrame(t, frame, 70, 24)
	tuitest.Golden(t, "detail-70x24", frame)
}

// TestScrollStaysInTheBody: scrolling moves the body and stops at its ends.
func TestScrollStaysInTheBody(t *testing.T) {
	t.Parallel()
	d := newDetail(70, 12)
	before := d.View()
	d, _ = d.Update(tuitest.Key("j"))
	if d.View() == before {
		t.Fatal("j did not scroll")
	}
	for range 200 {
		d, _ = d.Update(tuitest.Key("j"))
	}
	end := d.View()
	d, _ = d.Update(tuitest.Key("G"))
	if d.View() != end {
		t.Fatal("scrolled past the end")
	}
	d, _ = d.Update(tuitest.Key("g"))
	if d.View() != before {
		t.Fatal("g did not go back to the top")
	}
}

func TestNoBuild(t *testing.T) {
	t.Parallel()
	d := newDetail(40, 5)
	d.SetBuild(tuitest.Builds(1)[0], false)
	if !strings.Contains(d.View(), "no build selected") {
		t.Fatalf("without a build:\n%s", d.View())
	}
}

// TestSmallThings: the title has no literal "## ", the repository is named
// once, the dashboard URL stays on one line, and a cut line ends in "…".
func TestSmallThings(t *testing.T) {
	t.Parallel()
	d := newDetail(60, 40)
	b := tuitest.Builds(2)[1]
	b.Meta.RepoName, b.Meta.ProviderAccountName = "acme/docs-site", "acme"
	d.SetBuild(b, true)
	v := d.View()
	if strings.Contains(v, "## ") || !strings.Contains(v, "  Change number 1") {
		t.Errorf("title:\n%s", v)
	}
	if !strings.Contains(v, "acme/docs-site (github)") || strings.Contains(v, "acme/acme/") {
		t.Errorf("repository:\n%s", v)
	}
	// A terminal without OSC 8 links gets the whole URL, broken at the
	// pane's width (#29.20): a cut one could be neither clicked nor copied.
	url := model.DashboardURL("0123456789abcdef0123456789abcdef", b.WorkerName, b.UUID)
	var joined strings.Builder
	for _, l := range strings.Split(v, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(url[joined.Len():], t) && t != "" {
			joined.WriteString(t)
		}
	}
	if joined.String() != url {
		t.Errorf("the dashboard URL is not whole without hyperlinks (%q):\n%s", joined.String(), v)
	}
	// With them, one line, cut with "…": the link carries the whole URL.
	d = newDetail(60, 40)
	d.SetLinker(func(u, text string) string { return "\x1b]8;;" + u + "\x1b\\" + text + "\x1b]8;;\x1b\\" })
	d.SetBuild(b, true)
	v = d.View()
	if strings.Count(ansi.Strip(v), "dash.cloudflare") != 1 || !strings.Contains(v, "…") || !strings.Contains(v, "\x1b]8;;"+url) {
		t.Errorf("dashboard URL not on one cut line:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "rs/services") {
			t.Errorf("URL broken across lines:\n%s", v)
		}
	}
}

// huge is a build whose every free-text field is one word of n bytes.
func huge(n int) model.Build {
	word := strings.Repeat("x", n)
	b := tuitest.Builds(2)[1]
	b.Meta.CommitMessage = "Title " + word + "\n\nbody " + word + "\n" + strings.Repeat("line\n", 5000)
	b.Meta.Branch, b.Meta.Author, b.WorkerName = word, word, word
	return b
}

// TestHugeFieldsAreBounded: whatever a message holds, glamour is handed a
// bounded markdown without any word longer than two widths, and the frame
// is exact. (Its cost is measured by BenchmarkDetailHugeFields.)
func TestHugeFieldsAreBounded(t *testing.T) {
	t.Parallel()
	for _, n := range []int{100 << 10, 1 << 20} {
		d := newDetail(80, 30)
		b := huge(n)
		d.SetBuild(b, true)
		md := d.markdown(b)
		if len(md) > 16<<10 {
			t.Errorf("%d-byte fields: %d bytes of markdown for glamour", n, len(md))
		}
		for _, w := range strings.Fields(md) {
			if len(w) > 2*80+8 {
				t.Errorf("%d-byte fields: a word of %d bytes reaches glamour", n, len(w))
				break
			}
		}
		tuitest.CheckFrame(t, d.View(), 80, 30)
	}
}

// TestPreviewLink (#36.6): a build's preview URL is shown whole beside the
// dashboard link; a preview_url that is no web URL is not shown.
func TestPreviewLink(t *testing.T) {
	t.Parallel()
	d := newDetail(120, 60)
	b := tuitest.Builds(3)[1]
	b.PreviewURL = "https://feature-x-web.acme.workers.dev"
	d.SetBuild(b, true)
	if v := d.View(); !strings.Contains(v, "Preview") || !strings.Contains(v, "https://feature-x-web.acme.workers.dev") {
		t.Fatalf("no preview link:\n%s", v)
	}
	b.PreviewURL = "javascript:alert(1)"
	d.SetBuild(b, true)
	if v := d.View(); strings.Contains(v, "javascript:") {
		t.Fatalf("a link that is no web URL:\n%s", v)
	}
}
