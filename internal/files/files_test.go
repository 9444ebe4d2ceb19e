package files

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small, big, fifo := filepath.Join(dir, "small"), filepath.Join(dir, "big"), filepath.Join(dir, "fifo")
	_ = os.WriteFile(small, []byte("abc"), 0o600)
	_ = os.WriteFile(big, []byte(strings.Repeat("x", 11)), 0o600)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegular(small, 10); err != nil || string(b) != "abc" {
		t.Fatalf("small: %q %v", b, err)
	}
	for path, want := range map[string]string{big: "larger than 10 bytes", fifo: "not a regular file", dir: "not a regular file", "/dev/zero": "not a regular file"} {
		if _, err := ReadRegular(path, 10); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if _, err := ReadRegular(filepath.Join(dir, "none"), 10); err == nil || Unwrap(err).Error() != "no such file or directory" {
		t.Errorf("missing: %v", err)
	}
}
