package model

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher finds a query in plain text with smart case: a query without
// upper-case letters ignores case; one with any matches exactly.
type Matcher struct {
	query string
	fold  bool
	ascii bool
}

// NewMatcher prepares a query.
func NewMatcher(query string) Matcher {
	fold := true
	ascii := true
	for _, r := range query {
		if unicode.IsUpper(r) {
			fold = false
		}
		if r >= utf8.RuneSelf {
			ascii = false
		}
	}
	return Matcher{query: query, fold: fold, ascii: ascii}
}

// Empty reports whether there is nothing to find.
func (m Matcher) Empty() bool { return m.query == "" }

// Query is the text searched for.
func (m Matcher) Query() string { return m.query }

// Match reports whether s contains the query.
func (m Matcher) Match(s string) bool { return m.Index(s, 0) >= 0 }

// MatchBytes is Match for a byte slice, without converting it.
func (m Matcher) MatchBytes(b []byte) bool {
	switch {
	case m.query == "":
		return false
	case !m.fold:
		return bytes.Contains(b, []byte(m.query))
	case m.ascii:
		return indexFoldASCII(b, m.query) >= 0
	}
	return indexFoldUnicode(string(b), m.query) >= 0
}

// Index finds the query in s at or after byte from; -1 when absent.
func (m Matcher) Index(s string, from int) int {
	if m.query == "" || from > len(s) {
		return -1
	}
	s = s[from:]
	var i int
	switch {
	case !m.fold:
		i = strings.Index(s, m.query)
	case m.ascii:
		i = indexFoldASCII(s, m.query)
	default:
		i = indexFoldUnicode(s, m.query)
	}
	if i < 0 {
		return -1
	}
	return from + i
}

// Len is the byte length of a match found at i in s.
func (m Matcher) Len() int { return len(m.query) }

// indexFoldASCII is a case-insensitive search for a lower-case ASCII needle:
// no allocation, so a million lines search in well under the frame budget.
func indexFoldASCII[T string | []byte](s T, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 'a' + 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c != first && c != upper {
			continue
		}
		j := 1
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == n {
			return i
		}
	}
	return -1
}

func indexFoldUnicode(s, needle string) int {
	// Lower-casing can change byte lengths; search rune-aligned positions.
	for i := 0; i < len(s); {
		if len(s)-i >= len(needle) && strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1
}

// LooksLikeError reports whether a plain log line reads like an error: npm
// ERR!, "error", "Error:", "✘ [ERROR]", "failed", or a non-zero exit code.
// One pass: every phrase starts with e, f or n, so only those letters are
// looked at closer (it runs on every line appended).
func LooksLikeError[T string | []byte](plain T) bool {
	found, exitCode := false, false
	for i := 0; i < len(plain); i++ {
		switch plain[i] | 0x20 {
		case 'e':
			rest := plain[i:]
			if hasPrefixFold(rest, "error") {
				found = true
			} else if !exitCode && hasPrefixFold(rest, "exit") {
				for _, p := range []string{"exit code ", "exit status ", "exited with code "} {
					if hasPrefixFold(rest, p) && len(rest) > len(p) && rest[len(p)] >= '1' && rest[len(p)] <= '9' {
						exitCode = true
					}
				}
			}
		case 'f':
			found = found || hasPrefixFold(plain[i:], "failed")
		case 'n':
			found = found || hasPrefixFold(plain[i:], "npm err!")
		}
	}
	if found {
		return indexFoldASCII(plain, " 0 errors") < 0 && indexFoldASCII(plain, "without error") < 0
	}
	return exitCode
}
