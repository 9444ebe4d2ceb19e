package logview

// Drawing the log pane: only the rows on screen, each line in its colour or
// with its matches marked, wrapped or cut at the pane's width.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/fit"
)

// lineText is what line si shows: its colour (when allowed) or, for a
// matching line, its plain text with the matches marked.
func (v *Model) lineText(si int, l model.Line) string {
	if !v.matcher.Empty() && v.isMatch(si) {
		plain := l.Plain()
		style := v.st.Match
		if v.cur >= 0 && v.cur < len(v.matches) && v.matches[v.cur] == si {
			style = v.st.CurrentMatch
		}
		var b strings.Builder
		at := 0
		for {
			i := v.matcher.Index(plain, at)
			if i < 0 {
				break
			}
			b.WriteString(plain[at:i])
			b.WriteString(style.Render(plain[i : i+v.matcher.Len()]))
			at = i + v.matcher.Len()
		}
		b.WriteString(plain[at:])
		return b.String()
	}
	if v.st.Colour {
		return v.st.Downsample(l.Text)
	}
	return l.Plain()
}

func (v *Model) isMatch(si int) bool {
	i := sort.SearchInts(v.matches, si)
	return i < len(v.matches) && v.matches[i] == si
}

func (v *Model) isError(si int) bool {
	i := sort.SearchInts(v.errLines, si)
	return i < len(v.errLines) && v.errLines[i] == si
}

// wrapLine soft-wraps styled text to width, each row carrying the colour
// that was active where it starts and ending with a reset.
func (v *Model) wrapLine(text string, width int) []string {
	rows := strings.Split(ansi.Hardwrap(text, width, true), "\n")
	if !strings.Contains(text, "\x1b[") {
		return rows
	}
	active := ""
	for i, r := range rows {
		rows[i] = active + r + "\x1b[m"
		active = activeSGR(active, r)
	}
	return rows
}

// activeSGR is the SGR state after text, given the state before it.
func activeSGR(active, text string) string {
	for {
		i := strings.Index(text, "\x1b[")
		if i < 0 {
			return active
		}
		j := i + 2
		for j < len(text) && (text[j] >= '0' && text[j] <= '9' || text[j] == ';' || text[j] == ':') {
			j++
		}
		if j >= len(text) {
			return active
		}
		if text[j] == 'm' {
			seq := text[i : j+1]
			if seq == "\x1b[m" || seq == "\x1b[0m" {
				active = ""
			} else {
				active += seq
			}
		}
		text = text[j+1:]
	}
}

func (v *Model) prefix(si int, l model.Line, continuation bool) string {
	gw := v.gutterW()
	var g string
	if continuation {
		g = strings.Repeat(" ", gw)
	} else {
		num := strconv.Itoa(si + 1)
		// The marker says what the line is without colour: the current
		// match, a match, an error line.
		marker := " "
		switch {
		case v.cur >= 0 && v.cur < len(v.matches) && v.matches[v.cur] == si,
			v.curErr >= 0 && v.curErr < len(v.errLines) && v.errLines[v.curErr] == si:
			marker = ">" // where a jump landed
		case !v.matcher.Empty() && v.isMatch(si):
			marker = "*"
		case v.isError(si):
			marker = "!"
		case v.isPhaseStart(si):
			marker = "+" // a phase starts here ([ and ] jump between them)
		}
		g = strings.Repeat(" ", max(gw-2-len(num), 0)) + num + marker + " "
		if v.isError(si) {
			g = v.st.ErrorLine.Render(g)
		} else {
			g = v.st.Gutter.Render(g)
		}
	}
	switch v.ts {
	case TimestampsClock:
		if continuation {
			return g + strings.Repeat(" ", 9)
		}
		t := l.Time()
		if v.utc {
			t = t.UTC()
		} else {
			t = t.Local()
		}
		return g + v.st.Muted.Render(t.Format("15:04:05")) + " "
	case TimestampsElapsed:
		if continuation {
			return g + strings.Repeat(" ", 10)
		}
		return g + v.st.Muted.Render(fmt.Sprintf("%9s", elapsed(l.Time().Sub(v.start)))) + " "
	}
	return g
}

func elapsed(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%s%d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%02d:%02d", sign, m, s)
}

// rows renders the visible rows, at most contentH of them.
func (v *Model) rows() []string {
	need := v.contentH()
	if need == 0 || v.viewLen() == 0 {
		return nil
	}
	top, sub := v.top, v.topSub
	if v.follow {
		top, sub = v.bottomAnchor()
	}
	cw := v.contentW()
	out := make([]string, 0, need)
	for vi := top; vi < v.viewLen() && len(out) < need; vi++ {
		si := v.storeIndex(vi)
		l := v.store.At(si)
		text := v.lineText(si, l)
		if !v.wrap {
			var shown string
			if v.x > 0 {
				shown = ansi.Cut(text, v.x, v.x+cw)
			} else {
				shown = ansi.Truncate(text, cw, "")
			}
			out = append(out, v.prefix(si, l, false)+shown+fit.ResetIfStyled(shown))
			continue
		}
		var wrapped []string
		if l.Width() <= cw {
			wrapped = []string{text}
		} else {
			wrapped = v.wrapLine(text, cw)
		}
		for r := sub; r < len(wrapped) && len(out) < need; r++ {
			out = append(out, v.prefix(si, l, r > 0)+wrapped[r])
		}
		sub = 0
	}
	return out
}

// header is the pane's title row: title, counts and modes.
func (v *Model) header() string {
	var parts []string
	if v.store.Len() > 0 {
		parts = append(parts, fmt.Sprintf("%d lines", v.store.Len()))
	}
	if !v.matcher.Empty() {
		cur, total := v.Matches()
		if v.searching && v.firstHit >= 0 {
			parts = append(parts, fmt.Sprintf("match at line %d, counting%s", v.firstHit+1, v.st.Ellipsis()))
		} else if v.searching {
			parts = append(parts, "searching"+v.st.Ellipsis())
		} else if total == 0 {
			parts = append(parts, "no match")
		} else if v.onlyMatches {
			parts = append(parts, fmt.Sprintf("only %d matching", total))
		} else {
			parts = append(parts, fmt.Sprintf("%d/%d", cur, total))
		}
	}
	if v.follow {
		parts = append(parts, "follow")
	} else if v.newLines > 0 {
		parts = append(parts, v.st.Warning.Render(fmt.Sprintf("%d new %s %s", v.newLines, plural(v.newLines, "line", "lines"), v.st.Down())))
	}
	if v.curErr >= 0 && v.curErr < len(v.errLines) {
		parts = append(parts, fmt.Sprintf("error %d/%d", v.curErr+1, len(v.errLines)))
	}
	if v.notice != "" {
		parts = append(parts, v.st.Warning.Render(v.notice))
	}
	if v.wrap {
		parts = append(parts, "wrap")
	}
	if v.note != "" {
		parts = append(parts, v.note)
	}
	title := "Log"
	if v.title != "" {
		title += " " + v.title
	}
	return v.st.PaneTitleFor(title, v.focused) + v.st.Muted.Render("  "+strings.Join(parts, " · "))
}

// View renders exactly h rows of at most w cells.
func (v Model) View() string {
	if v.h <= 0 || v.w <= 0 {
		return ""
	}
	lines := make([]string, 0, v.h)
	lines = append(lines, fit.Truncate(v.header(), v.w, v.st.Ellipsis()))
	body := v.rows()
	if v.store.Len() == 0 && v.contentH() > 0 {
		empty := "no log yet"
		if v.note != "" {
			empty = v.note
		}
		body = []string{v.st.Muted.Render(empty)}
	}
	lines = append(lines, body...)
	for len(lines) < v.h-btoi(v.typing) {
		lines = append(lines, "")
	}
	if v.typing {
		v.input.SetWidth(v.w)
		lines = append(lines, v.input.View())
	}
	return fit.Block(lines, v.w, v.h)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
