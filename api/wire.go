package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cfbuilds/cfbuilds/model"
)

// The wire types mirror the API's JSON. Every field is optional in the schema,
// so pointers and tolerant decoders keep absent, null and unexpected values
// from failing a whole response.

// flexTime decodes RFC 3339 strings, epoch numbers (seconds or milliseconds)
// and null. A value it cannot read is left zero rather than failing the build.
type flexTime struct{ t *time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil
		}
		if t, ok := parseTimeString(s); ok && t.Year() >= 1970 && t.Year() <= 9999 {
			f.t = &t
		}
		return nil
	}
	if n, err := strconv.ParseFloat(string(b), 64); err == nil {
		if t := epoch(n); !t.IsZero() {
			f.t = &t
		}
	}
	return nil
}

func parseTimeString(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		t := epoch(n)
		return t, !t.IsZero()
	}
	return time.Time{}, false
}

// epoch reads a Unix time: values below 1e12 are seconds, others milliseconds
// (real log lines carry milliseconds; the schema's example is seconds).
// A time outside years 1970 to 9999 is no build's: it is read as unknown.
func epoch(n float64) time.Time {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return time.Time{}
	}
	ms := n
	if math.Abs(n) < 1e12 {
		ms = n * 1000
	}
	if ms < 0 || ms > maxEpochMilli {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}

// maxEpochMilli is the end of year 9999.
const maxEpochMilli = 253402300799999

func (f flexTime) value() time.Time {
	if f.t == nil {
		return time.Time{}
	}
	return *f.t
}

// Every string the API sends is untrusted. It is made safe here, where it is
// decoded, once: no later code can print a raw one. A field is also capped,
// so no single value (a 1 MB branch name) can cost every frame a scan of it.
const (
	maxField = 1 << 10  // a name, a branch, an id: far under this
	maxText  = 64 << 10 // a commit message
)

// capBytes cuts s to at most n bytes on a rune boundary, marking the cut.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// rawString is a string field kept exactly as sent (a cursor to send back,
// a log line that the log store sanitizes with its colour kept).
type rawString string

func (f *rawString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = rawString(s)
		return nil
	}
	*f = rawString(b)
	return nil
}

// flexString accepts a string, null, or any other JSON value (kept as its
// text), so an enum the API adds later, or a wrong type, shows instead of
// failing. It is one line of plain text: escape sequences, control
// characters and line breaks are gone, and it is capped at maxField bytes.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var r rawString
	_ = r.UnmarshalJSON(b)
	*f = flexString(model.SanitizeInline(capBytes(string(r), maxField)))
	return nil
}

// flexText is multi-line plain text (a commit message), capped at maxText.
type flexText string

func (f *flexText) UnmarshalJSON(b []byte) error {
	var r rawString
	_ = r.UnmarshalJSON(b)
	*f = flexText(model.SanitizeText(capBytes(string(r), maxText)))
	return nil
}

// flexBool accepts a bool (or "true"/"false") and ignores anything else.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	f.set(b)
	return nil
}

// flexStrings accepts an array of strings, null, or anything else (ignored).
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	var v []flexString
	if json.Unmarshal(b, &v) == nil {
		for _, s := range v {
			*f = append(*f, string(s))
		}
	}
	return nil
}

type wireRepoConnection struct {
	RepoConnectionUUID  flexString `json:"repo_connection_uuid"`
	RepoID              flexString `json:"repo_id"`
	RepoName            flexString `json:"repo_name"`
	ProviderType        flexString `json:"provider_type"`
	ProviderAccountID   flexString `json:"provider_account_id"`
	ProviderAccountName flexString `json:"provider_account_name"`
}

type wireTrigger struct {
	TriggerUUID         flexString          `json:"trigger_uuid"`
	TriggerName         flexString          `json:"trigger_name"`
	ExternalScriptID    flexString          `json:"external_script_id"`
	BuildCommand        flexString          `json:"build_command"`
	DeployCommand       flexString          `json:"deploy_command"`
	RootDirectory       flexString          `json:"root_directory"`
	BranchIncludes      flexStrings         `json:"branch_includes"`
	BranchExcludes      flexStrings         `json:"branch_excludes"`
	PathIncludes        flexStrings         `json:"path_includes"`
	PathExcludes        flexStrings         `json:"path_excludes"`
	BuildCachingEnabled flexBool            `json:"build_caching_enabled"`
	BuildTokenUUID      flexString          `json:"build_token_uuid"`
	BuildTokenName      flexString          `json:"build_token_name"`
	CreatedOn           flexTime            `json:"created_on"`
	ModifiedOn          flexTime            `json:"modified_on"`
	DeletedOn           flexTime            `json:"deleted_on"`
	RepoConnection      *wireRepoConnection `json:"repo_connection"`
}

func (t wireTrigger) model() model.Trigger {
	out := model.Trigger{
		TriggerUUID: string(t.TriggerUUID), TriggerName: string(t.TriggerName),
		ExternalScriptID: string(t.ExternalScriptID), BuildCommand: string(t.BuildCommand),
		DeployCommand: string(t.DeployCommand), RootDirectory: string(t.RootDirectory),
		BranchIncludes: t.BranchIncludes, BranchExcludes: t.BranchExcludes,
		PathIncludes: t.PathIncludes, PathExcludes: t.PathExcludes,
		BuildCachingEnabled: bool(t.BuildCachingEnabled),
		BuildTokenUUID:      string(t.BuildTokenUUID), BuildTokenName: string(t.BuildTokenName),
		CreatedOn: t.CreatedOn.value(), ModifiedOn: t.ModifiedOn.value(), DeletedOn: t.DeletedOn.t,
	}
	if rc := t.RepoConnection; rc != nil {
		out.RepoConnection = &model.RepoConnection{
			RepoConnectionUUID: string(rc.RepoConnectionUUID), RepoID: string(rc.RepoID),
			RepoName: string(rc.RepoName), ProviderType: string(rc.ProviderType),
			ProviderAccountID: string(rc.ProviderAccountID), ProviderAccountName: string(rc.ProviderAccountName),
		}
	}
	return out
}

// envVars decodes both shapes seen for environment_variables: name → string
// (the schema) and name → {is_secret, value, created_on} (Cloudflare's MCP server).
type envVars map[string]model.EnvVar

func (e *envVars) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	out := make(envVars, len(raw))
	for name, v := range raw {
		k := model.SanitizeInline(capBytes(name, maxField))
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = model.EnvVar{Value: s}
			continue
		}
		var obj struct {
			IsSecret flexBool   `json:"is_secret"`
			Value    flexString `json:"value"`
		}
		if json.Unmarshal(v, &obj) == nil {
			out[k] = model.EnvVar{Value: string(obj.Value), IsSecret: bool(obj.IsSecret)}
		}
	}
	*e = out
	return nil
}

type wireMeta struct {
	Source               flexString `json:"build_trigger_source"`
	Branch               flexString `json:"branch"`
	CommitHash           flexString `json:"commit_hash"`
	CommitMessage        flexText   `json:"commit_message"`
	Author               flexString `json:"author"`
	BuildCommand         flexString `json:"build_command"`
	DeployCommand        flexString `json:"deploy_command"`
	RootDirectory        flexString `json:"root_directory"`
	RepoName             flexString `json:"repo_name"`
	ProviderType         flexString `json:"provider_type"`
	ProviderAccountName  flexString `json:"provider_account_name"`
	BuildTokenName       flexString `json:"build_token_name"`
	BuildTokenUUID       flexString `json:"build_token_uuid"`
	EnvironmentVariables envVars    `json:"environment_variables"`
}

type wirePullRequest struct {
	CreatedOn flexTime   `json:"created_on"`
	URL       flexString `json:"pull_request_url"`
}

type wireBuild struct {
	UUID           flexString       `json:"build_uuid"`
	Status         flexString       `json:"status"`
	Outcome        flexString       `json:"build_outcome"`
	CreatedOn      flexTime         `json:"created_on"`
	ModifiedOn     flexTime         `json:"modified_on"`
	InitializingOn flexTime         `json:"initializing_on"`
	RunningOn      flexTime         `json:"running_on"`
	StoppedOn      flexTime         `json:"stopped_on"`
	Meta           *wireMeta        `json:"build_trigger_metadata"`
	Trigger        *wireTrigger     `json:"trigger"`
	PullRequest    *wirePullRequest `json:"pull_request"`
	PreviewURL     flexString       `json:"preview_url"` // new in 2026, absent on most answers

	raw  []byte
	skip bool // the item was not a JSON object
}

// UnmarshalJSON keeps the build as it came (for passthrough output) and
// tolerates a field of the wrong type: encoding/json fills every other
// field and reports only the first mismatch, which is dropped here, so one
// odd field (build_trigger_metadata as a string) costs that field, not the
// whole answer.
func (w *wireBuild) UnmarshalJSON(b []byte) error {
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		w.skip = true // not a build at all: the caller leaves it out
		return nil
	}
	type plain wireBuild
	err := json.Unmarshal(b, (*plain)(w))
	var te *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &te) {
		return err
	}
	w.raw = append([]byte(nil), b...)
	return nil
}

func (w wireBuild) model() model.Build {
	b := model.Build{
		UUID:           string(w.UUID),
		Status:         model.Status(w.Status),
		Outcome:        model.Outcome(w.Outcome),
		CreatedOn:      w.CreatedOn.value(),
		ModifiedOn:     w.ModifiedOn.value(),
		InitializingOn: w.InitializingOn.t,
		RunningOn:      w.RunningOn.t,
		StoppedOn:      w.StoppedOn.t,
		Source:         w.raw,
		PreviewURL:     webURL(string(w.PreviewURL)),
	}
	if m := w.Meta; m != nil {
		b.Meta = model.TriggerMetadata{
			Source: string(m.Source), Branch: string(m.Branch), CommitHash: string(m.CommitHash),
			CommitMessage: string(m.CommitMessage), Author: string(m.Author),
			BuildCommand: string(m.BuildCommand), DeployCommand: string(m.DeployCommand),
			RootDirectory: string(m.RootDirectory), RepoName: string(m.RepoName),
			ProviderType: string(m.ProviderType), ProviderAccountName: string(m.ProviderAccountName),
			BuildTokenName: string(m.BuildTokenName), BuildTokenUUID: string(m.BuildTokenUUID),
			EnvironmentVariables: m.EnvironmentVariables,
		}
	}
	if t := w.Trigger; t != nil {
		b.Trigger = t.model()
		b.WorkerTag = string(t.ExternalScriptID)
	}
	if p := w.PullRequest; p != nil {
		b.PullRequest = &model.PullRequest{CreatedOn: p.CreatedOn.value(), URL: string(p.URL)}
	}
	return b
}

// webURL is s when it is an http(s) URL, else "": a field that should
// hold a link and holds a number or a word is no link.
func webURL(s string) string {
	if u, err := url.Parse(s); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return s
	}
	return ""
}

// wireLogLine is [timestamp, "text"]. The schema types both items as
// number-or-string; the decoder takes either in either place it can.
type wireLogLine model.LogLine

func (l *wireLogLine) UnmarshalJSON(b []byte) error {
	if l.fast(b) {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		// Not [timestamp, "text"]: keep the page, say what was skipped.
		l.Text = skippedLine
		return nil
	}
	if len(items) == 0 {
		return nil
	}
	var ft flexTime
	_ = ft.UnmarshalJSON(items[0])
	l.Time = ft.value()
	if len(items) > 1 {
		var s rawString // the log store sanitizes it, keeping its colour
		_ = s.UnmarshalJSON(items[1])
		l.Text = string(s)
	}
	return nil
}

// skippedLine stands in for a log line of a shape the client cannot read.
const skippedLine = "[cfbuilds: a log line of another shape was skipped]"

// fast decodes the common shape, [number, "text"], without reflection: a
// log page holds thousands of lines. Anything else takes the general path.
// b is already known to be valid JSON (the decoder checked it).
func (l *wireLogLine) fast(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return false
	}
	inner := bytes.TrimSpace(b[1 : len(b)-1])
	comma := bytes.IndexByte(inner, ',')
	if comma <= 0 || inner[0] == '"' {
		return false
	}
	n, err := parseNumber(bytes.TrimSpace(inner[:comma]))
	rest := bytes.TrimSpace(inner[comma+1:])
	if err != nil || len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
		return false
	}
	body := rest[1 : len(rest)-1]
	if bytes.IndexByte(body, '"') >= 0 && bytes.IndexByte(body, '\\') < 0 {
		return false // more than one string: not the common shape
	}
	if bytes.IndexByte(body, '\\') < 0 {
		l.Text = string(body)
	} else if t, ok := unquoteJSON(body); ok {
		l.Text = t // log text is full of \u001b: one allocation, not three
	} else if json.Unmarshal(rest, &l.Text) != nil {
		return false
	}
	l.Time = epoch(n)
	return true
}

type wireLogPage struct {
	Cursor    rawString  `json:"cursor"` // sent back as it came
	Lines     wireLines  `json:"lines"`
	Truncated flexBool   `json:"truncated"`
	Events    flexEvents `json:"events"`
}

// wireLines is a page's lines, read in one pass over the array: the usual
// [number, "text"] by hand, anything else through wireLogLine's general
// path. A page holds thousands of lines; reflection per line was most of
// the cost of a read.
type wireLines []model.LogLine

func (w *wireLines) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil // not an array: no lines, the page kept
	}
	rest := b[1 : len(b)-1]
	out := make([]model.LogLine, 0, bytes.Count(rest, []byte("],"))+1)
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n,")
		if len(rest) == 0 {
			break
		}
		n := valueEnd(rest)
		if n <= 0 {
			return errors.New("decode log lines: malformed array")
		}
		out = append(out, model.LogLine{})
		_ = (*wireLogLine)(&out[len(out)-1]).UnmarshalJSON(rest[:n]) // in place: no copy escapes
		rest = rest[n:]
	}
	*w = out
	return nil
}

// valueEnd is the length of the JSON value b starts with, or 0 when it
// does not end. b need not be valid JSON: the fast page path calls it on
// raw bodies, and a truncated one must give 0, never a panic. Strings are
// skipped with IndexByte (log text is long strings with few quotes).
func valueEnd(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			end := stringEnd(b[i+1:])
			if end < 0 {
				return 0
			}
			i += end + 1 // at the closing quote
			if depth == 0 {
				return i + 1
			}
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth == 0 {
				return i // a scalar ends where its container closes
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case depth == 0 && c == ',':
			return i
		}
	}
	if depth == 0 {
		return len(b)
	}
	return 0
}

// stringEnd is the index in b of the quote that closes a JSON string whose
// opening quote came just before b, or -1.
func stringEnd(b []byte) int {
	from := 0
	for {
		j := bytes.IndexByte(b[from:], '"')
		if j < 0 {
			return -1
		}
		q := from + j
		// Escaped when an odd number of backslashes stand before it.
		n := 0
		for k := q - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		from = q + 1
	}
}

// flexEvents reads the undocumented events array of phase timings; an item
// of another shape is skipped, and a wrong type for the whole is ignored.
type flexEvents []model.PhaseEvent

func (f *flexEvents) UnmarshalJSON(b []byte) error {
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		return nil
	}
	for _, it := range items {
		var e struct {
			Type      flexString `json:"type"`
			StartedOn flexTime   `json:"started_on"`
			EndedOn   flexTime   `json:"ended_on"`
		}
		if json.Unmarshal(it, &e) == nil && e.Type != "" {
			*f = append(*f, model.PhaseEvent{Type: string(e.Type), StartedOn: e.StartedOn.t, EndedOn: e.EndedOn.t})
		}
	}
	return nil
}

type wireCancel struct {
	Outcome   flexString `json:"build_outcome"`
	UUID      flexString `json:"build_uuid"`
	StoppedOn flexTime   `json:"stopped_on"`
}

type wireScript struct {
	ID  flexString `json:"id"`
	Tag flexString `json:"tag"`
}

// flexFloat accepts a number or a numeric string; anything else is 0.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	var n float64
	if json.Unmarshal(b, &n) == nil {
		*f = flexFloat(n)
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			*f = flexFloat(n)
		}
	}
	return nil
}

type wireDeployment struct {
	ID        flexString `json:"id"`
	CreatedOn flexTime   `json:"created_on"`
	Source    flexString `json:"source"`
	Strategy  flexString `json:"strategy"`
	Versions  []struct {
		VersionID  flexString `json:"version_id"`
		Percentage flexFloat  `json:"percentage"`
	} `json:"versions"`
	Annotations map[string]flexString `json:"annotations"`
	AuthorEmail flexString            `json:"author_email"`
}

func (w wireDeployment) model() model.Deployment {
	d := model.Deployment{
		ID: string(w.ID), CreatedOn: w.CreatedOn.value(), Source: string(w.Source), Strategy: string(w.Strategy),
		Message: string(w.Annotations["workers/message"]), TriggeredBy: string(w.Annotations["workers/triggered_by"]),
		Author: string(w.AuthorEmail),
	}
	for _, v := range w.Versions {
		d.Versions = append(d.Versions, model.VersionSplit{VersionID: string(v.VersionID), Percentage: float64(v.Percentage)})
	}
	return d
}

// unquoteJSON decodes the inside of a JSON string (without its quotes). It
// reports false for anything it does not take as it is (a raw control
// character, a bad escape), which the caller hands to encoding/json.
func unquoteJSON(b []byte) (string, bool) {
	var out strings.Builder // its String does not copy: one allocation
	out.Grow(len(b))
	for i := 0; i < len(b); i++ {
		// A run of plain bytes is checked in a tight loop and copied whole.
		j := i
		for j < len(b) && b[j] != '\\' {
			if c := b[j]; c < 0x20 || c == '"' {
				return "", false
			}
			j++
		}
		out.Write(b[i:j])
		if i = j; i >= len(b) {
			break
		}
		if i+1 >= len(b) {
			return "", false
		}
		i++
		switch b[i] {
		case '"', '\\', '/':
			out.WriteByte(b[i])
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r, ok := hex4(b[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				// A pair: \uD83D\uDE00; a lone half is the replacement rune.
				if i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					if r2, ok := hex4(b[i+3:]); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out.WriteRune(dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out.WriteRune(r)
		default:
			return "", false
		}
	}
	if t := out.String(); !utf8.ValidString(t) {
		return strings.ToValidUTF8(t, "\uFFFD"), true
	}
	return out.String(), true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// parseNumber reads a JSON number; the usual one, a whole number of
// milliseconds, without converting the bytes to a string.
func parseNumber(b []byte) (float64, error) {
	if len(b) > 0 && len(b) < 16 {
		var n int64
		for _, c := range b {
			if c < '0' || c > '9' {
				return strconv.ParseFloat(string(b), 64)
			}
			n = n*10 + int64(c-'0')
		}
		return float64(n), nil
	}
	return strconv.ParseFloat(string(b), 64)
}
