package tui

import (
	"net/url"
	"strconv"
	"strings"

	osc52 "github.com/aymanbagabas/go-osc52/v2"

	"github.com/cfbuilds/cfbuilds/model"
)

// Terminal is what cfbuilds knows of the terminal it writes escape
// sequences to: whether it sits inside tmux (sequences need passthrough),
// whether it shows OSC 8 hyperlinks, whether the session is remote.
type Terminal struct {
	Tmux       bool
	Screen     bool
	Hyperlinks bool
	SSH        bool
}

// DetectTerminal reads the environment. hyperlinks is "auto", "on" or "off".
func DetectTerminal(getenv func(string) string, hyperlinks string) Terminal {
	t := Terminal{
		Tmux:   getenv("TMUX") != "",
		Screen: getenv("TMUX") == "" && strings.HasPrefix(getenv("TERM"), "screen"),
		SSH:    getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "",
	}
	switch hyperlinks {
	case "on":
		t.Hyperlinks = true
	case "off":
	default:
		// Terminals known to show OSC 8 links; others print them as text.
		vte, _ := strconv.Atoi(getenv("VTE_VERSION"))
		switch {
		case vte >= 5000, getenv("KITTY_WINDOW_ID") != "", getenv("WT_SESSION") != "", getenv("WEZTERM_PANE") != "":
			t.Hyperlinks = true
		}
		switch getenv("TERM_PROGRAM") {
		case "iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper":
			t.Hyperlinks = true
		}
		if strings.Contains(getenv("TERM"), "kitty") || strings.Contains(getenv("TERM"), "foot") || strings.Contains(getenv("TERM"), "ghostty") {
			t.Hyperlinks = true
		}
	}
	return t
}

// passthrough wraps a sequence so tmux (or screen) hands it to the outer
// terminal instead of swallowing it.
func (t Terminal) passthrough(seq string) string {
	switch {
	case t.Tmux:
		return "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
	case t.Screen:
		return "\x1bP" + seq + "\x1b\\"
	}
	return seq
}

// oscText makes text safe inside an OSC string: printable, no ';' (the
// field separator of OSC 777), no terminator.
func oscText(s string, max int) string {
	s = model.SanitizeInline(s)
	s = strings.Map(func(r rune) rune {
		if r == ';' || r < 0x20 || r == 0x7f {
			return ','
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
	}
	return strings.ToValidUTF8(s, "")
}

// Bell is the BEL character; tmux passes it on by itself.
func (t Terminal) Bell() string { return "\a" }

// OSC9 is a desktop notification (iTerm2, WezTerm, Windows Terminal, kitty...).
func (t Terminal) OSC9(msg string) string {
	return t.passthrough("\x1b]9;" + oscText(msg, 200) + "\x07")
}

// OSC777 is a desktop notification with a title (VTE terminals, urxvt, foot).
func (t Terminal) OSC777(title, body string) string {
	return t.passthrough("\x1b]777;notify;" + oscText(title, 80) + ";" + oscText(body, 200) + "\x07")
}

// maxCopy caps what OSC 52 sends: some terminals drop larger writes.
const maxCopy = 100_000

// OSC52 sets the clipboard; it travels over SSH. Text past the cap is cut
// (the library would drop it whole).
func (t Terminal) OSC52(text string) string {
	if len(text) > maxCopy {
		text = text[:maxCopy]
	}
	seq := osc52.New(text)
	switch {
	case t.Tmux:
		// Both: tmux with set-clipboard on takes the plain sequence and
		// drops a wrapped one unless allow-passthrough is on, which takes
		// the wrapped one. Either way the clipboard gets the same text.
		return seq.String() + seq.Tmux().String()
	case t.Screen:
		seq = seq.Screen()
	}
	return seq.String()
}

// Link shows text as an OSC 8 hyperlink to target where the terminal shows
// them, else as the text alone. A target that is not a plain http(s) URL is
// never linked.
func (t Terminal) Link(target, text string) string {
	u, err := url.Parse(target)
	if !t.Hyperlinks || err != nil || (u.Scheme != "https" && u.Scheme != "http") || strings.ContainsAny(target, "\x1b\x07 \t\r\n") {
		return text
	}
	// OSC 8 goes straight to the terminal even in tmux 3.4+, which tracks
	// links itself; no passthrough.
	return "\x1b]8;;" + target + "\x1b\\" + text + "\x1b]8;;\x1b\\"
}
