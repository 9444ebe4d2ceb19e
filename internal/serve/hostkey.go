package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cfbuilds/cfbuilds/internal/files"
	gossh "golang.org/x/crypto/ssh"
)

// LoadHostKey reads the host key, or makes an Ed25519 one on first start:
// owner-only, created exclusively (two servers starting at once cannot
// both write it). A key others can read is refused, as sshd does. Written
// here rather than with charmbracelet/keygen, which changes the mode of a
// directory that already exists.
func LoadHostKey(path string) (pemBytes []byte, created bool, err error) {
	raw, err := files.ReadRegular(path, 64<<10)
	if err == nil {
		if serr := files.Strict(path, true); serr != nil {
			return nil, false, serr
		}
		if _, perr := gossh.ParsePrivateKey(raw); perr != nil {
			return nil, false, fmt.Errorf("not a private key: %v", perr)
		}
		return raw, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, files.Unwrap(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "cfbuilds serve host key")
	if err != nil {
		return nil, false, err
	}
	pemBytes = pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, files.Unwrap(err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err == nil && st.Mode().Perm()&0o022 != 0 && st.Mode()&os.ModeSticky == 0 {
		return nil, false, fmt.Errorf("others may write its directory %s (mode %04o); chmod go-w it", filepath.Dir(path), st.Mode().Perm())
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, files.Unwrap(err)
	}
	if _, err := f.Write(pemBytes); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, err
	}
	return pemBytes, true, f.Close()
}
