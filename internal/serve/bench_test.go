package serve

import (
	"runtime"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// BenchmarkHugePtySession: a read-only client asks for a 10000x10000
// terminal (capped to 500x200) and watches a busy account; it reports the
// heap the server holds for it once it has drawn.
func BenchmarkHugePtySession(b *testing.B) {
	for range b.N {
		r := startServe(b, sim.Options{Workers: 200, PushEvery: time.Second, Seed: 3}, 500*time.Millisecond, 0)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		conn, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(r.reader)},
			HostKeyCallback: gossh.FixedHostKey(r.srv.host.PublicKey()), Timeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		sess, _ := conn.NewSession()
		out, _ := sess.StdoutPipe()
		if err := sess.RequestPty("xterm-256color", 10000, 10000, gossh.TerminalModes{}); err != nil {
			b.Fatal(err)
		}
		_ = sess.Shell()
		buf := make([]byte, 1<<16)
		read := 0
		for read < 256<<10 { // the first frames
			n, err := out.Read(buf)
			if err != nil {
				break
			}
			read += n
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "MB-heap-per-session")
		conn.Close()
	}
}
