package tui

// Pane names a part of the screen that can have focus.
type Pane int

// The panes, in tab order.
const (
	PaneList Pane = iota
	PaneDetail
	PaneLog
	paneCount
)

// Mode is how the panes share the screen.
type Mode int

// The layout modes.
const (
	ModeWide   Mode = iota // list left; detail over log right
	ModeMedium             // list over detail over log
	ModeSmall              // one pane at a time
)

// Rect is a pane's place on screen. A zero Rect is hidden.
type Rect struct{ X, Y, W, H int }

// Layout places the panes between a header and a footer of measured heights.
type Layout struct {
	Mode                Mode
	List, Detail, Log   Rect
	SeparatorX          int // wide mode: the column of the rule between list and right side
	BodyY, BodyH, Width int
}

// Thresholds of the layout modes.
const (
	wideMinWidth  = 140
	smallMaxWidth = 60
	smallMaxRows  = 16
)

// computeLayout is the one pure layout function: from the terminal size, the
// measured header and footer heights and the focused pane, where each pane
// goes. Every rect lies inside the body; nothing is negative.
func computeLayout(w, h, headerH, footerH int, focus Pane) Layout {
	w, h = max(w, 0), max(h, 0)
	bodyY := min(headerH, h)
	bodyH := max(h-headerH-footerH, 0)
	l := Layout{BodyY: bodyY, BodyH: bodyH, Width: w}
	switch {
	case w < smallMaxWidth || h < smallMaxRows:
		l.Mode = ModeSmall
		r := Rect{X: 0, Y: bodyY, W: w, H: bodyH}
		switch focus {
		case PaneDetail:
			l.Detail = r
		case PaneLog:
			l.Log = r
		default:
			l.List = r
		}
	case w >= wideMinWidth:
		l.Mode = ModeWide
		// The list takes what the detail and log (two fifths, at least
		// 56) leave: room for the state word, the dates and a message.
		listW := max(w-max(w*2/5, 56), 50)
		l.SeparatorX = listW
		rightX := listW + 1
		rightW := w - rightX
		detailH := min(max(bodyH*2/5, 6), bodyH)
		l.List = Rect{X: 0, Y: bodyY, W: listW, H: bodyH}
		l.Detail = Rect{X: rightX, Y: bodyY, W: rightW, H: detailH}
		l.Log = Rect{X: rightX, Y: bodyY + detailH, W: rightW, H: bodyH - detailH}
	default:
		l.Mode = ModeMedium
		listH := min(max(bodyH*3/10, 4), bodyH)
		detailH := min(max(bodyH/4, 4), bodyH-listH)
		logH := bodyH - listH - detailH
		l.List = Rect{X: 0, Y: bodyY, W: w, H: listH}
		l.Detail = Rect{X: 0, Y: bodyY + listH, W: w, H: detailH}
		l.Log = Rect{X: 0, Y: bodyY + listH + detailH, W: w, H: logH}
	}
	return l
}

// Visible reports whether a pane is on screen.
func (l Layout) Visible(p Pane) bool {
	switch p {
	case PaneList:
		return l.List.H > 0 && l.List.W > 0
	case PaneDetail:
		return l.Detail.H > 0 && l.Detail.W > 0
	}
	return l.Log.H > 0 && l.Log.W > 0
}
