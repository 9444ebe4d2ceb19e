package serve

import (
	"fmt"
	"strings"
	"unicode"

	gossh "golang.org/x/crypto/ssh"

	"github.com/cfbuilds/cfbuilds/internal/files"
	"github.com/cfbuilds/cfbuilds/model"
)

// AuthorizedKey is one line of the authorized keys file.
type AuthorizedKey struct {
	key      gossh.PublicKey
	comment  string
	operator bool
}

// String names the key in the log: its fingerprint and comment.
func (k AuthorizedKey) String() string {
	s := gossh.FingerprintSHA256(k.key)
	if k.comment != "" {
		s += " (" + model.SanitizeInline(k.comment) + ")"
	}
	return s
}

// LoadAuthorizedKeys reads an OpenSSH authorized_keys file. A line that is
// not a key stops the start with its number: a typo must not silently lock
// someone out (or, with an operator's comment, leave them read-only).
func LoadAuthorizedKeys(path string) ([]AuthorizedKey, error) {
	raw, err := files.ReadRegular(path, 1<<20)
	if err != nil {
		return nil, files.Unwrap(err)
	}
	var keys []AuthorizedKey
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d is not a public key: %v", i+1, err)
		}
		keys = append(keys, AuthorizedKey{key: k, comment: comment, operator: hasWord(comment, "operator")})
	}
	return keys, nil
}

// hasWord: word appears in s on its own (not inside another word).
func hasWord(s, word string) bool {
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if f == word {
			return true
		}
	}
	return false
}

func CountOperators(keys []AuthorizedKey) int {
	n := 0
	for _, k := range keys {
		if k.operator {
			n++
		}
	}
	return n
}
