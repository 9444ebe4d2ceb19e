//go:build unix

package history

import (
	"os"

	sys "golang.org/x/sys/unix"
)

// lockFile takes an exclusive lock on path (made if missing), waiting for
// another process that holds it; unlock releases it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = sys.Flock(int(f.Fd()), sys.LOCK_EX)
		if err != sys.EINTR {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = sys.Flock(int(f.Fd()), sys.LOCK_UN); _ = f.Close() }, nil
}
