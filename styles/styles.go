// Package styles holds every colour, glyph and lipgloss style cfbuilds draws
// with: semantic names (Success, Failure, Running, Queued, Muted, Accent),
// one mapping from a build's state to its glyph and style, adaptive light and
// dark colours, a high-contrast and a colour-blind-safe theme, an ASCII glyph
// set, and no colour at all under NO_COLOR.
package styles

import (
	"os"
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/cfbuilds/cfbuilds/model"
)

// Styles is one resolved theme.
type Styles struct {
	// Colour is false when nothing may be coloured (NO_COLOR, a dumb
	// terminal, tests): log text is then shown without its SGR colour.
	Colour bool
	ASCII  bool
	// Dark says the background is dark (as detected, or as the theme says).
	Dark bool
	// profile is the terminal's colour depth, for downsampling the colour
	// that arrives in log text.
	profile colorprofile.Profile

	Success, Failure, Running, Queued, Muted, Accent, Warning lipgloss.Style
	Title, PaneTitle, PaneTitleFocused, Selected, Header      lipgloss.Style
	StatusBar, Error, Match, CurrentMatch, ErrorLine, Gutter  lipgloss.Style
	Dialog, Key                                               lipgloss.Style
	Live                                                      lipgloss.Style
}

// palette is a theme's colours.
type palette struct {
	success, failure, running, queued, muted, accent, warning lipgloss.TerminalColor
	selBg, selFg, barBg, barFg                                lipgloss.TerminalColor
}

func ad(light, dark string) lipgloss.AdaptiveColor {
	return lipgloss.AdaptiveColor{Light: light, Dark: dark}
}

// themes maps a theme's name to its palette: a function, so no package
// state can be changed from outside.
func themes() map[string]func() palette {
	return map[string]func() palette{
		"auto": func() palette {
			return palette{success: ad("#1a7f37", "#3fb950"), failure: ad("#cf222e", "#f85149"), running: ad("#0969da", "#58a6ff"),
				queued: ad("#9a6700", "#d29922"), muted: ad("#6e7781", "#8b949e"), accent: ad("#8250df", "#bc8cff"), warning: ad("#bc4c00", "#f0883e"),
				selBg: ad("#ddf4ff", "#1f2a3a"), selFg: ad("#000000", "#ffffff"), barBg: ad("#eaeef2", "#21262d"), barFg: ad("#24292f", "#c9d1d9")}
		},
		"high-contrast": func() palette {
			return palette{success: ad("#005f00", "#00ff00"), failure: ad("#af0000", "#ff5f5f"), running: ad("#0000af", "#5fafff"),
				queued: ad("#5f5f00", "#ffff00"), muted: ad("#000000", "#ffffff"), accent: ad("#5f00af", "#ff87ff"), warning: ad("#af5f00", "#ffaf00"),
				selBg: ad("#000000", "#ffffff"), selFg: ad("#ffffff", "#000000"), barBg: ad("#000000", "#ffffff"), barFg: ad("#ffffff", "#000000")}
		},
		// Okabe-Ito colours: distinguishable with the common colour blindnesses.
		"colorblind": func() palette {
			return palette{success: ad("#0072b2", "#56b4e9"), failure: ad("#d55e00", "#e69f00"), running: ad("#009e73", "#009e73"),
				queued: ad("#cc79a7", "#cc79a7"), muted: ad("#6e7781", "#8b949e"), accent: ad("#0072b2", "#56b4e9"), warning: ad("#d55e00", "#f0e442"),
				selBg: ad("#ddf4ff", "#1f2a3a"), selFg: ad("#000000", "#ffffff"), barBg: ad("#eaeef2", "#21262d"), barFg: ad("#24292f", "#c9d1d9")}
		},
	}
}

// Themes names the themes New accepts.
func Themes() []string { return []string{"auto", "dark", "light", "high-contrast", "colorblind"} }

// New resolves a theme for a renderer (nil: lipgloss's default, which reads
// the terminal and NO_COLOR). dark/light force the background.
func New(r *lipgloss.Renderer, theme string, ascii bool) *Styles {
	if r == nil {
		// A renderer of its own: changing lipgloss's default one (its
		// background, below) would change it for every other user.
		r = lipgloss.NewRenderer(os.Stdout)
	}
	switch theme {
	case "dark":
		r.SetHasDarkBackground(true)
	case "light":
		r.SetHasDarkBackground(false)
	}
	all := themes()
	mk, ok := all[theme]
	if !ok {
		mk = all["auto"]
	}
	p := mk()
	st := func() lipgloss.Style { return r.NewStyle() }
	s := &Styles{
		Colour:  r.ColorProfile() != termenv.Ascii,
		Dark:    r.HasDarkBackground(),
		ASCII:   ascii,
		profile: profileOf(r.ColorProfile()),

		Success: st().Foreground(p.success),
		Failure: st().Foreground(p.failure).Bold(true),
		Running: st().Foreground(p.running),
		Queued:  st().Foreground(p.queued),
		Muted:   st().Foreground(p.muted),
		Accent:  st().Foreground(p.accent),
		Warning: st().Foreground(p.warning),

		Title:            st().Bold(true).Foreground(p.accent),
		Header:           st().Bold(true),
		PaneTitle:        st().Foreground(p.muted),
		PaneTitleFocused: st().Bold(true).Foreground(p.accent),
		Selected:         st().Background(p.selBg).Foreground(p.selFg).Bold(true),
		StatusBar:        st().Background(p.barBg).Foreground(p.barFg),
		Error:            st().Foreground(p.failure).Bold(true),
		Match:            st().Reverse(true),
		CurrentMatch:     st().Reverse(true).Bold(true).Foreground(p.warning),
		ErrorLine:        st().Foreground(p.failure).Bold(true),
		Gutter:           st().Foreground(p.muted),
		Dialog:           st().Border(border(ascii)).BorderForeground(p.warning).Padding(0, 1),
		Key:              st().Bold(true).Foreground(p.accent),
		Live:             st().Bold(true).Foreground(p.success),
	}
	return s
}

func border(ascii bool) lipgloss.Border {
	if ascii {
		return lipgloss.Border{Top: "-", Bottom: "-", Left: "|", Right: "|", TopLeft: "+", TopRight: "+", BottomLeft: "+", BottomRight: "+"}
	}
	return lipgloss.RoundedBorder()
}

// Glyph is the symbol for a state; every state has a different one, so
// status never rests on colour alone.
func (s *Styles) Glyph(st model.State) string {
	if s.ASCII {
		switch st {
		case model.StateQueued:
			return "."
		case model.StateInitializing:
			return "o"
		case model.StateRunning:
			return ">"
		case model.StateSucceeded:
			return "+"
		case model.StateFailed:
			return "x"
		case model.StateSkipped:
			return "-"
		case model.StateCancelled:
			return "/"
		case model.StateTerminated:
			return "!"
		}
		return "?"
	}
	switch st {
	case model.StateQueued:
		return "◌"
	case model.StateInitializing:
		return "◔"
	case model.StateRunning:
		return "●"
	case model.StateSucceeded:
		return "✓"
	case model.StateFailed:
		return "✗"
	case model.StateSkipped:
		return "↷" // not », which marks the focused pane
	case model.StateCancelled:
		return "⊘"
	case model.StateTerminated:
		return "⧗"
	}
	return "?"
}

// ForState is the style of a state.
func (s *Styles) ForState(st model.State) lipgloss.Style {
	switch st {
	case model.StateSucceeded:
		return s.Success
	case model.StateFailed, model.StateTerminated:
		return s.Failure
	case model.StateRunning, model.StateInitializing:
		return s.Running
	case model.StateQueued:
		return s.Queued
	}
	return s.Muted
}

// Separator is the vertical rule between panes.
func (s *Styles) Separator() string {
	if s.ASCII {
		return "|"
	}
	return "│"
}

// Ellipsis ends text cut short.
func (s *Styles) Ellipsis() string {
	if s.ASCII {
		return "~"
	}
	return "…"
}

// Down is the arrow of "N new lines".
func (s *Styles) Down() string {
	if s.ASCII {
		return "v"
	}
	return "↓"
}

// Mark marks the row of the build m marked to compare.
func (s *Styles) Mark() string {
	if s.ASCII {
		return "*"
	}
	return "◆"
}

// Cursor marks the selected row.
func (s *Styles) Cursor() string {
	if s.ASCII {
		return ">"
	}
	return "▸"
}

func profileOf(p termenv.Profile) colorprofile.Profile {
	switch p {
	case termenv.TrueColor:
		return colorprofile.TrueColor
	case termenv.ANSI256:
		return colorprofile.ANSI256
	case termenv.ANSI:
		return colorprofile.ANSI
	}
	return colorprofile.ASCII
}

// Downsample renders SGR colour from untrusted text (a build log) in the
// terminal's colour depth: 24-bit colour becomes 256 or 16 colours where
// that is all the terminal has, and nothing where it has no colour.
func (s *Styles) Downsample(text string) string {
	if s.profile == colorprofile.TrueColor || !strings.Contains(text, "\x1b[") {
		return text
	}
	var b strings.Builder
	w := colorprofile.Writer{Forward: &b, Profile: s.profile}
	if _, err := w.WriteString(text); err != nil {
		return text
	}
	return b.String()
}

// DialogBox draws lines in the dialog's box, or leaves them plain when the
// box would be wider than w (a screen too narrow for its border).
func (s *Styles) DialogBox(lines []string, w int) string {
	inner := w - s.Dialog.GetHorizontalFrameSize()
	if inner < 12 {
		// No room for a frame: the text alone, wrapped to the screen.
		return ansi.Wrap(strings.Join(lines, "\n"), max(w, 1), " ")
	}
	// Wrapped at spaces to the room inside the frame: a narrow terminal
	// shows every word ("keep it (default: No)"), not a line cut short.
	return s.Dialog.Render(ansi.Wrap(strings.Join(lines, "\n"), inner, " "))
}

// PaneTitleFor renders a pane's title; the focused one carries a mark as
// well as its colour, so focus shows without colour too.
func (s *Styles) PaneTitleFor(title string, focused bool) string {
	if !focused {
		return s.PaneTitle.Render("  " + title)
	}
	mark := "» "
	if s.ASCII {
		mark = "> "
	}
	return s.PaneTitleFocused.Render(mark + title)
}
