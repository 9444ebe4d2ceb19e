package fit

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWidthAgreesWithAnsi(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "\x1b[1;31mred\x1b[m text", "日本語", "\x1b[7m日本\x1b[0m", "tab\there", "e\u0301", "👍🏽 ok", "\x1b]8;;x\x1b\\link"} {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi says %d", s, got, want)
		}
	}
}
