package tui

import "testing"

func TestComputeLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h, head, foot int
		focus            Pane
		mode             Mode
		visible          []Pane
	}{
		{200, 60, 1, 1, PaneList, ModeWide, []Pane{PaneList, PaneDetail, PaneLog}},
		{140, 40, 1, 1, PaneLog, ModeWide, []Pane{PaneList, PaneDetail, PaneLog}},
		{139, 40, 1, 1, PaneList, ModeMedium, []Pane{PaneList, PaneDetail, PaneLog}},
		{120, 40, 1, 1, PaneList, ModeMedium, []Pane{PaneList, PaneDetail, PaneLog}},
		{80, 24, 1, 1, PaneList, ModeMedium, []Pane{PaneList, PaneDetail, PaneLog}},
		{60, 16, 1, 1, PaneList, ModeMedium, []Pane{PaneList, PaneDetail, PaneLog}},
		{59, 40, 1, 1, PaneDetail, ModeSmall, []Pane{PaneDetail}},
		{120, 15, 1, 1, PaneLog, ModeSmall, []Pane{PaneLog}},
		{40, 12, 1, 1, PaneList, ModeSmall, []Pane{PaneList}},
		{10, 3, 1, 1, PaneList, ModeSmall, []Pane{PaneList}},
		{10, 1, 1, 1, PaneList, ModeSmall, nil},
		{0, 0, 1, 1, PaneList, ModeSmall, nil},
		{140, 16, 3, 4, PaneList, ModeWide, []Pane{PaneList, PaneDetail, PaneLog}},
	}
	for _, tt := range tests {
		l := computeLayout(tt.w, tt.h, tt.head, tt.foot, tt.focus)
		if l.Mode != tt.mode {
			t.Errorf("%dx%d: mode %v, want %v", tt.w, tt.h, l.Mode, tt.mode)
		}
		for p := PaneList; p < paneCount; p++ {
			want := false
			for _, v := range tt.visible {
				want = want || v == p
			}
			if l.Visible(p) != want {
				t.Errorf("%dx%d: pane %v visible %v, want %v", tt.w, tt.h, p, l.Visible(p), want)
			}
		}
		for _, r := range []Rect{l.List, l.Detail, l.Log} {
			if r.W < 0 || r.H < 0 || r.X+r.W > tt.w || r.Y < l.BodyY && r.H > 0 || r.Y+r.H > l.BodyY+l.BodyH {
				t.Errorf("%dx%d: rect %+v outside the body (y %d h %d)", tt.w, tt.h, r, l.BodyY, l.BodyH)
			}
		}
		if l.Mode == ModeMedium && l.List.H+l.Detail.H+l.Log.H != l.BodyH {
			t.Errorf("%dx%d: stacked panes do not fill the body", tt.w, tt.h)
		}
	}
}
