package serve

// The options of an authorized_keys line, honoured as OpenSSH's sshd
// honours them, or the key refused: a key limited in a way this server
// cannot keep must not get in unlimited.

import (
	"fmt"
	"net"
	"path"
	"strings"
	"time"
)

// applyOptions takes a line's options: from= (address patterns and CIDR
// blocks, !negated), no-pty, expiry-time; the forwarding and rc options
// (restrict, no-port-forwarding, no-agent-forwarding, no-X11-forwarding,
// no-user-rc, pty) hold by themselves, as nothing is ever forwarded or
// run; anything else (command=, environment=, permitopen=, a hostname in
// from=, ...) cannot be kept, and refuses the key.
func (k *AuthorizedKey) applyOptions(options []string) {
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		value = strings.Trim(value, `"`)
		switch strings.ToLower(name) {
		case "restrict", "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc", "pty":
		case "no-pty":
			k.noPty = true
		case "from":
			for _, p := range strings.Split(value, ",") {
				p = strings.TrimPrefix(strings.TrimSpace(p), "!")
				if !isAddressPattern(p) {
					k.refused = fmt.Sprintf("from=%q names a host, and this server matches addresses only", p)
				}
			}
			k.from = strings.Split(value, ",")
		case "expiry-time":
			t, err := parseExpiry(value)
			if err != nil || !hasValue {
				k.refused = fmt.Sprintf("expiry-time=%q is not YYYYMMDD[HHMM[SS]]", value)
			}
			k.expires = t
		default:
			k.refused = fmt.Sprintf("option %s cannot be honoured here (this server only serves the dashboard)", name)
		}
	}
}

// isAddressPattern: an IP glob (digits, dots, colons, * and ?) or a CIDR block.
func isAddressPattern(p string) bool {
	if _, _, err := net.ParseCIDR(p); err == nil {
		return true
	}
	return p != "" && strings.Trim(p, "0123456789abcdefABCDEF.:*?") == "" && strings.ContainsAny(p, ".:")
}

// fromAllows reports whether addr may use the key: no from= allows all; a
// matching negated pattern refuses; else one pattern must match.
func (k AuthorizedKey) fromAllows(addr net.Addr) bool {
	if len(k.from) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		host = addr.String()
	}
	ip := net.ParseIP(host)
	allowed := false
	for _, p := range k.from {
		p = strings.TrimSpace(p)
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		match := false
		if _, block, err := net.ParseCIDR(p); err == nil {
			match = ip != nil && block.Contains(ip)
		} else {
			match, _ = path.Match(p, host)
		}
		if match && neg {
			return false
		}
		allowed = allowed || match
	}
	return allowed
}

// usableNow reports whether the key may log in from addr at now, and why not.
func (k AuthorizedKey) usableNow(addr net.Addr, now time.Time) (bool, string) {
	switch {
	case k.refused != "":
		return false, "refused at start: " + k.refused
	case !k.expires.IsZero() && now.After(k.expires):
		return false, "expired " + k.expires.Format(time.RFC3339)
	case addr != nil && !k.fromAllows(addr):
		return false, "from " + addr.String() + ", which its from= does not allow"
	}
	return true, ""
}

func parseExpiry(v string) (time.Time, error) {
	for _, layout := range []string{"20060102150405", "200601021504", "20060102"} {
		if len(v) == len(layout) {
			return time.ParseInLocation(layout, v, time.Local)
		}
	}
	return time.Time{}, fmt.Errorf("bad expiry-time")
}

// Refused lists the keys that may not log in because their options
// cannot be honoured, for the server to say at start.
func Refused(keys []AuthorizedKey) []string {
	var out []string
	for _, k := range keys {
		if k.refused != "" {
			out = append(out, k.String()+": "+k.refused)
		}
	}
	return out
}
