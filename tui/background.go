package tui

// Asking the terminal its background colour, once and briefly. lipgloss
// (termenv) asks on its own when a style first needs to know, and waits up
// to 5 s for each of two answers: a terminal that answers neither leaves
// the screen blank for 10 s, with the keys typed meanwhile lost and a
// signal leaving the terminal raw. Here the question is asked before the
// program starts, within a short wait, the wait ends on a signal (the
// context), the terminal is restored on the way out, and what the person
// typed meanwhile is kept and handed to the program as keys.

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// BackgroundWait is how long the dashboard waits for the terminal to say
// its background colour: long enough for most SSH links, short enough
// that a terminal that never answers still draws its first frame within
// half a second (#35.11; a slower one gets dark: theme = "light" in the
// config says otherwise).
const BackgroundWait = 300 * time.Millisecond

// Background is what the terminal said of its background.
type Background struct {
	Dark  bool
	Known bool         // the terminal answered the colour query
	Typed []tea.KeyMsg // keys typed while the query waited, in order
	Err   error        // why it could not ask (nil: it asked)
}

var (
	oscBackground = regexp.MustCompile(`\x1b\]11;rgba?:([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})(?:/[0-9a-fA-F]{1,4})?(?:\x07|\x1b\\)`)
	cursorReport  = regexp.MustCompile(`\x1b\[\d+;\d+R`)
)

// DetectBackground asks the terminal on in/out its background colour (OSC
// 11, then a cursor-position report that every terminal answers, so an
// answer to the second without the first ends the wait early). It waits
// at most wait, and not past ctx. Where it cannot ask (not a terminal,
// tmux or screen, which answer for another terminal) it says so in Err and
// Dark is true, the common case.
func DetectBackground(ctx context.Context, in, out *os.File, termName string, wait time.Duration) Background {
	bg := Background{Dark: true}
	fd := int(in.Fd())
	switch {
	case !term.IsTerminal(fd) || !term.IsTerminal(int(out.Fd())):
		bg.Err = errors.New("not a terminal")
		return bg
	case strings.HasPrefix(termName, "screen"), strings.HasPrefix(termName, "tmux"), termName == "dumb":
		bg.Err = errors.New("the terminal multiplexer answers for another terminal")
		return bg
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		bg.Err = err
		return bg
	}
	defer term.Restore(fd, old) //nolint:errcheck // nothing more to do if it fails
	if _, err := out.WriteString("\x1b]11;?\x07\x1b[6n"); err != nil {
		bg.Err = err
		return bg
	}
	var got []byte
	deadline := time.Now().Add(wait)
	buf := make([]byte, 256)
	for !cursorReport.Match(got) && ctx.Err() == nil {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		// Poll in slices of at most 50 ms so a signal (ctx) is seen soon.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(min(left, 50*time.Millisecond)/time.Millisecond)+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			bg.Err = err
			break
		}
		if n <= 0 {
			continue
		}
		r, err := in.Read(buf)
		if err != nil {
			bg.Err = err
			break
		}
		got = append(got, buf[:r]...)
	}
	return parseAnswers(bg, got)
}

// parseAnswers takes the colour from what was read and keeps the rest as
// typed keys.
func parseAnswers(bg Background, got []byte) Background {
	if m := oscBackground.FindSubmatchIndex(got); m != nil {
		var rgb [3]float64
		for i := range rgb {
			hex := string(got[m[2+2*i]:m[3+2*i]])
			v, _ := strconv.ParseUint(hex, 16, 16)
			rgb[i] = float64(v) / float64(uint64(1)<<(4*len(hex))-1)
		}
		// Relative luminance (sRGB weights, without the gamma: a light
		// background is far from the middle either way).
		bg.Dark, bg.Known = 0.2126*rgb[0]+0.7152*rgb[1]+0.0722*rgb[2] < 0.5, true
		got = append(got[:m[0]:m[0]], got[m[1]:]...)
	}
	if m := cursorReport.FindIndex(got); m != nil {
		got = append(got[:m[0]:m[0]], got[m[1]:]...)
	}
	bg.Typed = keysOf(got)
	return bg
}

// keysOf turns bytes a person typed into the keys bubbletea would have
// read: characters, enter, tab, backspace, esc, control keys and arrows.
func keysOf(b []byte) []tea.KeyMsg {
	var out []tea.KeyMsg
	arrows := map[byte]tea.KeyType{'A': tea.KeyUp, 'B': tea.KeyDown, 'C': tea.KeyRight, 'D': tea.KeyLeft, 'H': tea.KeyHome, 'F': tea.KeyEnd}
	for len(b) > 0 {
		switch c := b[0]; {
		case c == 0x1b && len(b) >= 3 && (b[1] == '[' || b[1] == 'O') && arrows[b[2]] != 0:
			out = append(out, tea.KeyMsg{Type: arrows[b[2]]})
			b = b[3:]
		case c == 0x1b:
			out = append(out, tea.KeyMsg{Type: tea.KeyEsc})
			b = b[1:]
		case c == '\r' || c == '\n':
			out = append(out, tea.KeyMsg{Type: tea.KeyEnter})
			b = b[1:]
		case c == '\t':
			out = append(out, tea.KeyMsg{Type: tea.KeyTab})
			b = b[1:]
		case c == 0x7f || c == 0x08:
			out = append(out, tea.KeyMsg{Type: tea.KeyBackspace})
			b = b[1:]
		case c < 0x20:
			out = append(out, tea.KeyMsg{Type: tea.KeyType(c)}) // ctrl+a … ctrl+z, ctrl+c among them
			b = b[1:]
		default:
			r, n := utf8.DecodeRune(b)
			if r != utf8.RuneError {
				out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
			b = b[n:]
		}
	}
	return out
}
