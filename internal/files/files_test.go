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

// Key files are held to sshd's StrictModes (#26.8): no symlink, not
// writable by others, their directory neither, a secret not readable.
func TestStrict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok, loose, secret, link := filepath.Join(dir, "ok"), filepath.Join(dir, "loose"), filepath.Join(dir, "secret"), filepath.Join(dir, "link")
	_ = os.WriteFile(ok, nil, 0o644)
	_ = os.WriteFile(loose, nil, 0o600)
	_ = os.Chmod(loose, 0o666)
	_ = os.WriteFile(secret, nil, 0o644)
	_ = os.Symlink(ok, link)
	if err := Strict(ok, false); err != nil {
		t.Fatalf("ok: %v", err)
	}
	for path, want := range map[string]string{loose: "others may write it", link: "symlink"} {
		if err := Strict(path, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if err := Strict(secret, true); err == nil || !strings.Contains(err.Error(), "others may read it") {
		t.Errorf("a readable secret: %v", err)
	}
	open := filepath.Join(dir, "open")
	_ = os.Mkdir(open, 0o700)
	_ = os.Chmod(open, 0o777)
	_ = os.WriteFile(filepath.Join(open, "keys"), nil, 0o600)
	if err := Strict(filepath.Join(open, "keys"), false); err == nil || !strings.Contains(err.Error(), "its directory") {
		t.Errorf("a directory others may write: %v", err)
	}
}
