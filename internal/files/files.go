// Package files reads the small files cfbuilds trusts to configure it (the
// configuration, serve's authorized keys and host key) without being held
// or fooled by them.
package files

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ReadRegular reads a regular file of at most max bytes. A FIFO, a device
// or a directory is refused before it is opened: reading one could block
// forever or never end (/dev/zero). A larger file is an error, never cut
// short silently.
func ReadRegular(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("it is not a regular file (%s)", st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > max {
		return nil, fmt.Errorf("it is larger than %d bytes, more than such a file ever needs", max)
	}
	return raw, nil
}

// Unwrap drops the path an *os.PathError repeats: the callers name the
// file themselves.
func Unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Strict checks a file that grants access, as sshd's StrictModes does: it
// is not a symlink (whose target someone else may change), neither it nor
// its directory may be written by others, and with secret it may not be
// read by others either.
func Strict(path string, secret bool) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	switch perm := st.Mode().Perm(); {
	case st.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("it is a symlink; give the file itself")
	case secret && perm&0o077 != 0:
		return fmt.Errorf("others may read it (mode %04o); chmod 600 it", perm)
	case perm&0o022 != 0:
		return fmt.Errorf("others may write it (mode %04o); chmod go-w it", perm)
	}
	dir := filepath.Dir(path)
	dst, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := dst.Mode().Perm(); perm&0o022 != 0 && dst.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("others may write its directory %s (mode %04o); chmod go-w it", dir, perm)
	}
	return nil
}
