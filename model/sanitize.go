package model

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/parser"
)

// tabWidth is where tab stops fall, as in every terminal's default.
const tabWidth = 8

// Safe is untrusted text made safe to write to a terminal: Text holds printable
// characters and SGR colour sequences only, Width is its display width in cells.
type Safe struct {
	Text  string
	Width int
	// Styled is true when Text carries SGR sequences (so its plain form differs).
	Styled bool
}

// Plain is the text without colour.
func (s Safe) Plain() string {
	if !s.Styled {
		return s.Text
	}
	return string(AppendPlain(nil, s.Text))
}

// AppendPlain appends sanitized text without its SGR sequences to dst. It
// relies on the sanitizer's guarantee (ESC only ever starts an SGR), which
// makes it a single pass with no parser: searching a million lines reuses
// one buffer instead of allocating a string per line.
func AppendPlain(dst []byte, text string) []byte {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != 0x1b {
			dst = append(dst, c)
			continue
		}
		// Skip ESC [ params m.
		i += 2
		for i < len(text) && text[i] != 'm' {
			i++
		}
	}
	return dst
}

// Sanitize makes one line of untrusted text (log output, a commit message line,
// a branch name, an API error) safe to show. It keeps SGR colour; removes every
// other escape or control sequence (OSC, DCS, APC, PM, SOS, non-SGR CSI, C1
// controls, BEL, backspace, a lone or unterminated ESC); resolves carriage-return
// overwrites to what a terminal would finally show; expands tabs; replaces
// invalid UTF-8; and measures the result's display width. Newlines are not
// expected (split first); any that remain are treated like other controls.
func Sanitize(s string) Safe {
	if isPlainASCII(s) {
		return Safe{Text: s, Width: len(s)}
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	} else if printableText(s) {
		// Unicode text without a control or escape: nothing to remove.
		return Safe{Text: s, Width: Width(s)}
	}
	// Only a carriage return can overwrite what was written: without one
	// the line streams straight out, with no cell buffer.
	sc := screenLine{direct: !strings.Contains(s, "\r")}
	if sc.direct {
		sc.out.Grow(len(s) + 4) // the output is at most the input and a reset
	}
	sc.write(s)
	return sc.render()
}

// SanitizeInline is Sanitize for a one-line field (branch, author, title): any
// newline becomes a space and colour is dropped, so the field cannot restyle
// the row it sits in.
func SanitizeInline(s string) string {
	if isPlainASCII(s) {
		return s // the common case, on every row of every frame
	}
	if strings.ContainsAny(s, "\r\n") {
		s = inlineBreaks.Replace(s)
	}
	return Sanitize(s).Plain()
}

// inlineBreaks turns line breaks into spaces; a Replacer is safe to share.
var inlineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// SanitizeText sanitizes multi-line text line by line and returns plain text
// (no colour), joined with "\n".
func SanitizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Sanitize(l).Plain()
	}
	return strings.Join(lines, "\n")
}

// printableText reports whether valid UTF-8 text holds no control character
// (C0, DEL, C1) and no bidi override: then it can be shown as it is.
func printableText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return false
		}
	}
	return true
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// cell is one terminal column: a grapheme, its width, and the SGR state it was
// written in. The second column of a wide grapheme is a cell with width 0.
type cell struct {
	g     string
	w     int
	style string
}

// screenLine is the minimal terminal a single line needs: a row of cells, a
// cursor that only carriage return and printing move, and the SGR state.
type screenLine struct {
	cells []cell
	col   int
	style string

	// direct mode writes graphemes straight to out, tracking only the
	// column (for tabs) and the style last emitted.
	direct  bool
	wide    bool // a cluster that is not one ASCII byte was written
	out     strings.Builder
	emitted string
	styled  bool
}

func (sc *screenLine) write(s string) {
	var state byte
	for len(s) > 0 {
		// Fast path: a run of printable ASCII is one cell a byte, with no
		// sequence to decode and no grapheme to find. The last byte before
		// a non-ASCII one is left to the general path: a combining mark
		// may belong to it.
		if state == ansi.NormalState && s[0] >= 0x20 && s[0] < 0x7f {
			n := 1
			for n < len(s) && s[n] >= 0x20 && s[n] < 0x7f {
				n++
			}
			if n < len(s) && s[n] >= 0x80 {
				n--
			}
			sc.putASCII(s[:n])
			s = s[n:]
			if n > 0 {
				continue
			}
		}
		// No parser: sequences are recognised from their bytes, which saves
		// the parser's buffers on every line.
		seq, width, n, newState := ansi.DecodeSequence(s, state, nil)
		state = newState
		s = s[n:]
		if state != ansi.NormalState {
			// An unterminated sequence runs to the end of the text: drop it.
			if len(s) == 0 {
				break
			}
			continue
		}
		switch {
		case len(seq) == 0:
		case seq[0] == ansi.ESC:
			if params, ok := sgrParams(seq); ok {
				sc.sgr(params)
			}
			// Every other escape sequence is dropped.
		case len(seq) == 1 && seq[0] < 0x80:
			switch c := seq[0]; {
			case c == '\r':
				sc.col = 0
			case c == '\t':
				next := (sc.col/tabWidth + 1) * tabWidth
				for sc.col < next {
					sc.put(" ", 1)
				}
			case c >= 0x20 && c < 0x7f:
				sc.put(seq, 1)
			}
			// Other C0 controls (BEL, backspace, NUL, ...) and DEL are dropped.
		default:
			if !printableCluster(seq) {
				continue
			}
			sc.wide = true
			if width == 0 {
				sc.attach(seq)
				continue
			}
			sc.put(seq, width)
		}
	}
}

// printableCluster rejects clusters holding C1 controls (U+0080-U+009F, which
// some terminals obey as 8-bit escapes), bidi overrides that reorder what is
// shown, and the replacement of a lone continuation byte.
func printableCluster(g string) bool {
	for _, r := range g {
		switch {
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return false
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return true
}

// sgrParams returns the parameters of an SGR sequence (ESC [ digits ; : m),
// and false for any other sequence.
func sgrParams(seq string) (string, bool) {
	if len(seq) < 3 || seq[1] != '[' || seq[len(seq)-1] != 'm' {
		return "", false
	}
	params := seq[2 : len(seq)-1]
	for i := 0; i < len(params); i++ {
		if c := params[i]; (c < '0' || c > '9') && c != ';' && c != ':' {
			return "", false
		}
	}
	return params, true
}

// sgr updates the style. A reset (no params, or zeros) clears it; anything
// else accumulates.
func (sc *screenLine) sgr(params string) {
	if strings.Trim(params, "0") == "" {
		sc.style = ""
		return
	}
	sc.style += "\x1b[" + params + "m"
}

// putASCII writes printable ASCII, one cell a byte: in one piece when the
// line is written straight through, else cell by cell.
func (sc *screenLine) putASCII(run string) {
	if !sc.direct || run == "" {
		for i := 0; i < len(run); i++ {
			sc.put(run[i:i+1], 1)
		}
		return
	}
	sc.put(run, len(run))
}

func (sc *screenLine) put(g string, w int) {
	if sc.direct {
		if sc.style != sc.emitted {
			if sc.emitted != "" {
				sc.out.WriteString("\x1b[m")
			}
			sc.out.WriteString(sc.style)
			sc.emitted = sc.style
			sc.styled = sc.styled || sc.style != ""
		}
		sc.out.WriteString(g)
		sc.col += w
		return
	}
	// Writing into the right half of a wide grapheme blanks its left half, as a
	// terminal would; writing over a wide grapheme's left half blanks its right.
	for len(sc.cells) < sc.col {
		sc.cells = append(sc.cells, cell{g: " ", w: 1})
	}
	if sc.col < len(sc.cells) && sc.cells[sc.col].w == 0 && sc.col > 0 {
		sc.cells[sc.col-1] = cell{g: " ", w: 1, style: sc.cells[sc.col-1].style}
	}
	for i := 0; i < w; i++ {
		c := cell{style: sc.style}
		if i == 0 {
			c.g, c.w = g, w
		}
		at := sc.col + i
		if at < len(sc.cells) {
			old := sc.cells[at]
			if old.w > 1 && at+1 < len(sc.cells) && i == w-1 {
				sc.cells[at+1] = cell{g: " ", w: 1, style: old.style}
			}
			sc.cells[at] = c
		} else {
			sc.cells = append(sc.cells, c)
		}
	}
	sc.col += w
}

// attach joins a zero-width cluster (a lone combining mark) to the grapheme
// before the cursor, or drops it when there is none.
func (sc *screenLine) attach(g string) {
	if sc.direct {
		if sc.col > 0 {
			sc.out.WriteString(g)
		}
		return
	}
	at := sc.col - 1
	for at >= 0 && at < len(sc.cells) && sc.cells[at].w == 0 {
		at--
	}
	if at < 0 || at >= len(sc.cells) {
		return
	}
	merged := sc.cells[at].g + g
	if Width(merged) == sc.cells[at].w {
		sc.cells[at].g = merged
	}
}

func (sc *screenLine) render() Safe {
	if sc.direct {
		if sc.emitted != "" {
			sc.out.WriteString("\x1b[m")
		}
		text := sc.out.String()
		if !sc.wide {
			// Only ASCII cells and escapes were written: the width is the
			// column reached, no grapheme to measure.
			return Safe{Text: text, Width: sc.col, Styled: sc.styled}
		}
		return Safe{Text: text, Width: Width(text), Styled: sc.styled}
	}
	var b strings.Builder
	width, style := 0, ""
	for _, c := range sc.cells {
		if c.w == 0 {
			continue
		}
		if c.style != style {
			if style != "" {
				b.WriteString("\x1b[m")
			}
			b.WriteString(c.style)
			style = c.style
		}
		b.WriteString(c.g)
		width += c.w
	}
	styled := false
	for _, c := range sc.cells {
		if c.style != "" {
			styled = true
			break
		}
	}
	if style != "" {
		b.WriteString("\x1b[m")
	}
	text := b.String()
	// Measure the result as the view will: a cluster the decoder split (an
	// ASCII letter then a combining mark it does not know) can measure
	// differently joined than apart.
	if w := Width(text); w != width {
		width = w
	}
	return Safe{Text: text, Width: width, Styled: styled}
}

// Width is ansi.StringWidth, the width the view measures text with, faster
// on the usual log line: the same walk over the same parser table, but a
// printable ASCII byte followed by another ASCII byte is one cell without
// asking for its grapheme cluster (no cluster joins two ASCII characters,
// CR LF aside, and CR is not printable). ansi.StringWidth asks for every
// character; on a line of text that was most of appending a page.
// FuzzSanitize holds the two equal.
func Width(s string) int {
	pstate := parser.GroundState
	width := 0
	for i := 0; i < len(s); i++ {
		if pstate == parser.GroundState {
			// A run of printable ASCII, each followed by ASCII: a cell each.
			j := i
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && (j+1 == len(s) || s[j+1] < 0x80) {
				j++
			}
			if j > i {
				width += j - i
				i = j - 1
				continue
			}
		}
		state, action := parser.Table.Transition(pstate, s[i])
		if action == parser.PrintAction || state == parser.Utf8State {
			cluster, w := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
			width += w
			i += len(cluster) - 1
			pstate = parser.GroundState
			continue
		}
		pstate = state
	}
	return width
}
