package compare

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// The view scrolls within the report and draws exactly its size; hostile
// text from a log stays inert.
func TestScrollAndSize(t *testing.T) {
	t.Parallel()
	var a, b []string
	for i := range 200 {
		a = append(a, fmt.Sprintf("line %d same", i))
		b = append(b, fmt.Sprintf("line %d same", i))
	}
	b[150] = "changed \x1b]52;c;ZXZpbA==\x07 here"
	c := model.Compare(model.BuildLog{Lines: a}, model.BuildLog{Lines: b}, tuitest.T0)
	v := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap(), c)
	v.SetSize(60, 10)
	first := v.View()
	tuitest.CheckFrame(t, first, 60, 10)
	v, _ = v.Update(tuitest.Key("G"))
	last := v.View()
	if last == first || !strings.Contains(last, "+ changed") || strings.Contains(last, "\x1b]52") {
		t.Fatalf("G:\n%s", last)
	}
	v, _ = v.Update(tuitest.Key("j"))
	if v.View() != last {
		t.Fatal("scrolled past the end")
	}
	v, _ = v.Update(tuitest.Key("g"))
	if v.View() != first {
		t.Fatal("g did not go back to the top")
	}
}
