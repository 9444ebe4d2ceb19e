package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressAfter is how long a command works silently before it says what
// it is doing.
const progressAfter = time.Second

// progress says on a terminal's stderr what a command is doing once it has
// taken longer than after, on one line that the returned stop clears. Off a
// terminal (a pipe, a file, a test) it says nothing.
func progress(w io.Writer, terminal bool, after time.Duration, text string) (stop func()) {
	if !terminal {
		return func() {}
	}
	var mu sync.Mutex
	shown, stopped := false, false
	t := time.AfterFunc(after, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			fmt.Fprintf(w, "\r\x1b[Kcfbuilds: %s…", text)
			shown = true
		}
	})
	return func() {
		t.Stop()
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		if shown {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
}
