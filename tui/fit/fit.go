// Package fit measures and fits rendered text to cells: display width (with
// a fast path for styled ASCII), cutting with an ellipsis, and blocks of
// exactly w×h cells that panes can be joined from without ragged edges.
package fit

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Width is the display width of a rendered line. Most lines are ASCII with
// SGR styling, which it measures in one pass; anything else goes to
// x/ansi's grapheme-aware measure.
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return ansi.StringWidth(s)
		case c == 0x1b:
			if i+1 >= len(s) || s[i+1] != '[' {
				return ansi.StringWidth(s)
			}
			// Skip the CSI sequence up to its final byte.
			i += 2
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
				i++
			}
		case c < 0x20 || c == 0x7f:
		default:
			n++
		}
	}
	return n
}

// Block makes lines exactly h rows, each cut to at most w cells and
// padded to w, so panes can be joined side by side without ragged edges.
func Block(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := 0; i < h; i++ {
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		lw := Width(line)
		if lw > w {
			line = ansi.Truncate(line, w, "") + ResetIfStyled(line)
			lw = Width(line)
		}
		b.WriteString(line)
		if pad := w - lw; pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
		if i < h-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// JoinColumns sets blocks of equal height side by side, line by line. The
// blocks come from Block, so no line needs measuring again.
func JoinColumns(blocks ...string) string {
	split := make([][]string, len(blocks))
	rows := 0
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
		rows = max(rows, len(split[i]))
	}
	var sb strings.Builder
	for r := 0; r < rows; r++ {
		for _, lines := range split {
			if r < len(lines) {
				sb.WriteString(lines[r])
			}
		}
		if r < rows-1 {
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// ResetIfStyled is an SGR reset when s holds styling, so a cut line does not
// leak its colour into the next.
func ResetIfStyled(s string) string {
	if strings.Contains(s, "\x1b[") {
		return "\x1b[m"
	}
	return ""
}

// Column is s cut to w cells (ending in ell when cut) and padded to w.
func Column(s string, w int, ell string) string {
	if w <= 0 {
		return ""
	}
	if Width(s) > w {
		s = ansi.Truncate(s, w, ell)
	}
	return s + strings.Repeat(" ", max(w-Width(s), 0))
}

// Truncate cuts s to w cells, ending in tail when cut.
func Truncate(s string, w int, tail string) string {
	if Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, tail)
}
