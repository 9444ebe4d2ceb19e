package serve

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
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
	// The line's options (keyopts.go): where it may come from, whether it
	// may have a terminal, until when it is good; refused says why a key
	// whose options cannot be honoured may not log in at all.
	from    []string
	noPty   bool
	expires time.Time
	refused string
}

// String names the key in the log: its fingerprint and comment.
func (k AuthorizedKey) String() string {
	s := gossh.FingerprintSHA256(k.key)
	if k.comment != "" {
		s += " (" + model.SanitizeInline(k.comment) + ")"
	}
	return s
}

// LoadAuthorizedKeys reads an OpenSSH authorized_keys file: the keys that
// may log in, read-only. A line that is not a key stops the start with its
// number: a typo must not silently lock someone out.
func LoadAuthorizedKeys(path string) ([]AuthorizedKey, error) {
	return loadKeys(path, false)
}

// LoadOperators reads the operators file (authorized_keys format): the
// keys that may log in and cancel, rebuild and build. A role comes from
// this file only, never from a word in a key's comment, which its owner
// writes.
func LoadOperators(path string) ([]AuthorizedKey, error) {
	return loadKeys(path, true)
}

func loadKeys(path string, operator bool) ([]AuthorizedKey, error) {
	if err := files.Strict(path, false); err != nil {
		return nil, files.Unwrap(err)
	}
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
		k, comment, options, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d is not a public key: %v", i+1, err)
		}
		ak := AuthorizedKey{key: k, comment: comment, operator: operator}
		ak.applyOptions(options)
		keys = append(keys, ak)
	}
	return keys, nil
}

// MergeKeys is who may log in: the operators, then every other read-only
// key (a key in both files is an operator).
func MergeKeys(readOnly, operators []AuthorizedKey) []AuthorizedKey {
	out := append([]AuthorizedKey(nil), operators...)
	for _, k := range readOnly {
		if !slices.ContainsFunc(operators, func(o AuthorizedKey) bool { return bytes.Equal(o.key.Marshal(), k.key.Marshal()) }) {
			out = append(out, k)
		}
	}
	return out
}

// SaysOperator lists the read-only keys whose comment has the word
// operator: roles once came from it, so the server says at start that
// these keys are read-only now.
func SaysOperator(keys []AuthorizedKey) []AuthorizedKey {
	var out []AuthorizedKey
	for _, k := range keys {
		if !k.operator && hasWord(k.comment, "operator") {
			out = append(out, k)
		}
	}
	return out
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
		if k.operator && k.refused == "" {
			n++
		}
	}
	return n
}
