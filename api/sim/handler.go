package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeEnvelope(w http.ResponseWriter, status int, success bool, errs []apiError, result any, info map[string]any) {
	writeEnvelopeMessages(w, status, success, errs, []any{}, result, info)
}

// writeEnvelopeMessages is writeEnvelope with messages, which are objects on
// some endpoints (/user/tokens/verify).
func writeEnvelopeMessages(w http.ResponseWriter, status int, success bool, errs []apiError, msgs []any, result any, info map[string]any) {
	if errs == nil {
		errs = []apiError{}
	}
	env := map[string]any{"success": success, "errors": errs, "messages": msgs, "result": result}
	if info != nil {
		env["result_info"] = info
	}
	body, _ := json.Marshal(env)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeEnvelope(w, status, false, []apiError{{Code: code, Message: msg}}, nil, nil)
}

var (
	reAccount  = regexp.MustCompile(`^/client/v4/accounts/([^/]+)(/.*)$`)
	reBuild    = regexp.MustCompile(`^/builds/builds/([^/]+)$`)
	reLogs     = regexp.MustCompile(`^/builds/builds/([^/]+)/logs$`)
	reCancel   = regexp.MustCompile(`^/builds/builds/([^/]+)/cancel$`)
	reHistory  = regexp.MustCompile(`^/builds/workers/([^/]+)/builds$`)
	reDeploys  = regexp.MustCompile(`^/workers/scripts/([^/]+)/deployments$`)
	reTriggers = regexp.MustCompile(`^/builds/workers/([^/]+)/triggers$`)
	reManual   = regexp.MustCompile(`^/builds/triggers/([^/]+)/builds$`)
	rePurge    = regexp.MustCompile(`^/builds/triggers/([^/]+)/purge_build_cache$`)
)

// maxPerPage is the largest history page the API serves.
const maxPerPage = 200

// ServeHTTP serves the API under /client/v4/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__sim/push" {
		s.servePush(w, r) // the simulator's own API, outside Cloudflare's
		return
	}
	if r.URL.Path == "/__sim/statuses" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Forge.Statuses()) // what the stand-in was posted, to look at
		return
	}
	if strings.HasPrefix(r.URL.Path, "/github/") || strings.HasPrefix(r.URL.Path, "/gitlab/") {
		s.Forge.ServeHTTP(w, r) // the commit-status stand-in
		return
	}
	s.mu.Lock()
	now := s.clock.Now()
	s.requests["total"]++
	s.logRequest(now)
	// Counted before faults, so a test sees every request a route received.
	s.requests[routeName(r)]++
	f, lat := s.pick()
	limited, remaining, reset := s.rateLimited(now)
	quota := s.quota()
	s.mu.Unlock()

	if lat > 0 {
		if sl, ok := s.clock.(Sleeper); ok {
			sl.Sleep(lat) // a test's clock: the latency passes in its time
		} else {
			select {
			case <-time.After(lat):
			case <-r.Context().Done():
				return
			}
		}
	}
	w.Header().Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, int(reset.Seconds()+0.999)))
	w.Header().Set("Ratelimit-Policy", fmt.Sprintf(`"default";q=%d;w=300`, quota))
	scope := s.scope(r)
	if scope == scopeNone {
		writeError(w, http.StatusUnauthorized, 10000, "Authentication error")
		return
	}
	if limited > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(limited.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed")
		return
	}
	if scope == scopeRead && r.Method != http.MethodGet {
		writeError(w, http.StatusForbidden, 10000, "Authentication error")
		return
	}
	if serveFault(w, f) {
		return
	}
	if f == faultTruncated {
		w = &truncatingWriter{ResponseWriter: w}
	}
	if r.URL.Path == "/client/v4/user/tokens/verify" && r.Method == http.MethodGet {
		s.serveUserVerify(w, r)
		return
	}
	m := reAccount.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	if m[1] != s.opts.AccountID {
		writeError(w, http.StatusNotFound, 7003, fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path))
		return
	}
	s.route(w, r, m[2])
}

// truncatingWriter sends the headers of a full body, then half of it, then
// drops the connection.
type truncatingWriter struct{ http.ResponseWriter }

func (t *truncatingWriter) Write(b []byte) (int, error) {
	_, _ = t.ResponseWriter.Write(b[:len(b)/2])
	panic(http.ErrAbortHandler)
}

// scope is what a request's credentials may do.
type scope int

const (
	scopeNone  scope = iota // unknown token: 401
	scopeRead               // Workers CI Read: writes get 403
	scopeWrite              // Workers CI Edit
)

func (s *Sim) scope(r *http.Request) scope {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && r.Header.Get("X-Auth-Email") != "" {
		// The legacy key pair: the simulator takes its tokens as keys.
		tok = r.Header.Get("X-Auth-Key")
	}
	switch tok {
	case s.opts.Token, s.opts.AccountToken:
		return scopeWrite
	case s.opts.ReadOnlyToken:
		return scopeRead
	}
	return scopeNone
}

// quota is the budget the Ratelimit headers report. Called under s.mu.
func (s *Sim) quota() int {
	switch {
	case s.opts.RateLimit > 0:
		return s.opts.RateLimit
	case s.opts.Quota > 0:
		return s.opts.Quota
	}
	return DefaultQuota
}

// rateLimited counts the request and says how long calls stay blocked (0 when
// not), what remains of the quota, and when the window frees its oldest
// request. Called under s.mu.
func (s *Sim) rateLimited(now time.Time) (blocked time.Duration, remaining int, reset time.Duration) {
	cut := now.Add(-5 * time.Minute)
	i := 0
	for i < len(s.sent) && s.sent[i].Before(cut) {
		i++
	}
	s.sent = append(s.sent[i:], now)
	quota := s.quota()
	remaining = max(quota-len(s.sent), 0)
	reset = s.sent[0].Add(5 * time.Minute).Sub(now)
	if now.Before(s.blocked) {
		return s.blocked.Sub(now), 0, s.blocked.Sub(now)
	}
	if s.opts.RateLimit > 0 && len(s.sent) > s.opts.RateLimit {
		s.blocked = now.Add(5 * time.Minute)
		s.requests["429"]++
		return 5 * time.Minute, 0, 5 * time.Minute
	}
	return 0, remaining, reset
}

// routeName names a request's route for Requests().
func routeName(r *http.Request) string {
	m := reAccount.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return "other"
	}
	switch p := m[2]; {
	case p == "/workers/scripts":
		return "workers"
	case p == "/builds/builds/latest":
		return "latest"
	case p == "/builds/builds":
		return "versions"
	case reHistory.MatchString(p):
		return "history"
	case reLogs.MatchString(p):
		return "logs"
	case reCancel.MatchString(p):
		return "cancel"
	case reBuild.MatchString(p):
		return "build"
	case reDeploys.MatchString(p):
		return "deployments"
	case reTriggers.MatchString(p):
		return "triggers"
	case reManual.MatchString(p):
		return "manual"
	case rePurge.MatchString(p):
		return "purge"
	case p == "/builds/tokens":
		return "tokens"
	case p == "/builds/account/limits":
		return "limits"
	}
	return "other"
}

// route is one endpoint: its method, its path (with one id in it, or
// none), and what serves it.
type route struct {
	method string
	exact  string         // a path without an id
	re     *regexp.Regexp // or a path with one
	serve  func(s *Sim, w http.ResponseWriter, r *http.Request, id string)
}

// routes are the endpoints the simulator serves, in the order they are
// tried: the build's own path after its logs and cancel.
var routes = []route{
	{"GET", "/workers/scripts", nil, func(s *Sim, w http.ResponseWriter, _ *http.Request, _ string) { s.serveWorkers(w) }},
	{"GET", "/builds/builds/latest", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveLatest(w, r) }},
	{"GET", "/builds/builds", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveByVersion(w, r) }},
	{"GET", "", reHistory, (*Sim).serveHistory},
	{"GET", "", reLogs, (*Sim).serveLogs},
	{"PUT", "", reCancel, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveCancel(w, id) }},
	{"GET", "", reBuild, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveBuild(w, id) }},
	{"GET", "", reDeploys, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveDeployments(w, id) }},
	{"GET", "", reTriggers, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.serveTriggers(w, id) }},
	{"POST", "", reManual, (*Sim).serveManualBuild},
	{"POST", "", rePurge, func(s *Sim, w http.ResponseWriter, _ *http.Request, id string) { s.servePurge(w, id) }},
	{"GET", "/builds/tokens", nil, func(s *Sim, w http.ResponseWriter, _ *http.Request, _ string) { s.serveTokens(w) }},
	{"GET", "/builds/account/limits", nil, func(s *Sim, w http.ResponseWriter, _ *http.Request, _ string) { s.serveLimits(w) }},
	{"GET", "/tokens/verify", nil, func(s *Sim, w http.ResponseWriter, r *http.Request, _ string) { s.serveAccountVerify(w, r) }},
}

func (s *Sim) route(w http.ResponseWriter, r *http.Request, path string) {
	for _, rt := range append(routes[:len(routes):len(routes)], eventRoutes...) {
		id, ok := "", path == rt.exact
		if rt.re != nil {
			if m := rt.re.FindStringSubmatch(path); m != nil {
				id, ok = m[1], true
			}
		}
		switch {
		case !ok:
			continue
		case r.Method == rt.method:
			rt.serve(s, w, r, id)
			return
		case rt.re == reCancel:
			// Cancel is the one path that says its method is wrong.
			writeError(w, http.StatusMethodNotAllowed, 10405, "Method not allowed")
			return
		}
	}
	writeError(w, http.StatusNotFound, 7000, "No route for that URI")
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsOrNil(t time.Time, reached bool) any {
	if !reached {
		return nil
	}
	return ts(t)
}

// buildJSON writes a build as the API does: every key present, null where
// not reached.
func (s *Sim) buildJSON(b *build, now time.Time) map[string]any {
	status, outcome := b.state(now)
	var oc any
	if outcome != "" {
		oc = outcome
	}
	modified := b.created
	for _, t := range []time.Time{b.initOn, b.runOn, b.stopOn} {
		if !now.Before(t) {
			modified = t
		}
	}
	var pr any
	if b.prURL != "" {
		pr = map[string]any{"created_on": ts(b.created.Add(-time.Minute)), "pull_request_url": b.prURL}
	}
	w := b.worker
	out := map[string]any{
		"build_uuid":      b.uuid,
		"status":          status,
		"build_outcome":   oc,
		"created_on":      ts(b.created),
		"modified_on":     ts(modified),
		"initializing_on": tsOrNil(b.initOn, !now.Before(b.initOn)),
		"running_on":      tsOrNil(b.runOn, !now.Before(b.runOn)),
		"stopped_on":      tsOrNil(b.stopOn, !now.Before(b.stopOn)),
		"build_trigger_metadata": map[string]any{
			"build_trigger_source":  b.source,
			"branch":                b.branch,
			"commit_hash":           b.commit,
			"commit_message":        b.message,
			"author":                b.author,
			"build_command":         b.buildCmd,
			"deploy_command":        b.deployCmd,
			"root_directory":        b.rootDir,
			"build_token_uuid":      b.token,
			"environment_variables": s.envVarsJSON(w),
			"repo_name":             repoName(w),
			"provider_account_name": repoOwner(w),
			"provider_type":         "github",
		},
		"trigger":      triggerJSON(b.trigger, w, false),
		"pull_request": pr,
	}
	if b.previewURL != "" {
		out["preview_url"] = b.previewURL // new in 2026 (API.md); absent from the corpus's answers
	}
	return out
}

// SetPreviewURL gives a build the preview_url its answers carry from now
// on. It reports false when there is no such build.
func (s *Sim) SetPreviewURL(buildUUID, url string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.builds[buildUUID]
	if ok {
		b.previewURL = url
	}
	return ok
}

// envVarsJSON writes a build's environment variables in the shape
// Cloudflare's own client reads (name → {is_secret, created_on, value}, value
// null for a secret), or as name → string with PlainEnvVars.
func (s *Sim) envVarsJSON(w *worker) map[string]any {
	if s.opts.PlainEnvVars {
		return map[string]any{"NODE_ENV": "production"}
	}
	return map[string]any{
		"NODE_ENV": map[string]any{"is_secret": false, "created_on": ts(w.created), "value": "production"},
		"API_KEY":  map[string]any{"is_secret": true, "created_on": ts(w.created), "value": nil},
	}
}

func (s *Sim) serveWorkers(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.workers))
	for _, wk := range s.workers {
		out = append(out, map[string]any{
			"id": wk.name, "tag": wk.tag, "etag": wk.tag + "e",
			"created_on": ts(wk.created), "modified_on": ts(wk.created),
			"usage_model": "standard", "handlers": []string{"fetch"},
		})
	}
	writeEnvelope(w, http.StatusOK, true, nil, out, nil)
}

// listParam splits a comma list, rejecting more than 20 items as the API does.
func listParam(w http.ResponseWriter, r *http.Request, name string) ([]string, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		writeError(w, http.StatusBadRequest, 12013, name+" is required")
		return nil, false
	}
	ids := strings.Split(v, ",")
	if len(ids) > 20 {
		writeError(w, http.StatusBadRequest, 12013, name+" accepts at most 20 values")
		return nil, false
	}
	return ids, true
}

func (s *Sim) serveLatest(w http.ResponseWriter, r *http.Request) {
	s.serveBuildMap(w, r, "external_script_ids", func(tag string, _ time.Time) *build {
		wk := s.findWorker(func(x *worker) bool { return x.tag == tag })
		if wk == nil || len(wk.builds) == 0 {
			return nil // a Worker without builds has no key
		}
		return wk.builds[len(wk.builds)-1]
	})
}

func (s *Sim) serveByVersion(w http.ResponseWriter, r *http.Request) {
	s.serveBuildMap(w, r, "version_ids", func(id string, now time.Time) *build {
		for _, b := range s.builds {
			if b.versionID == id && !now.Before(b.stopOn) && b.outcome == "success" && !s.undeployed(b.worker) {
				return b
			}
		}
		return nil // a version made outside Builds has no key
	})
}

// serveBuildMap answers {"builds": {key: build}} for a comma list of keys.
func (s *Sim) serveBuildMap(w http.ResponseWriter, r *http.Request, param string, find func(key string, now time.Time) *build) {
	keys, ok := listParam(w, r, param)
	if !ok {
		return
	}
	now := s.lockNow()
	defer s.mu.Unlock()
	out := map[string]any{}
	for _, k := range keys {
		if b := find(k, now); b != nil {
			out[k] = s.buildJSON(b, now)
		}
	}
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"builds": out}, nil)
}

func (s *Sim) serveHistory(w http.ResponseWriter, r *http.Request, tag string) {
	page, perPage := 1, 50
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, 12013, "page must be a positive integer")
			return
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			writeError(w, http.StatusBadRequest, 12013, "per_page must be between 1 and 200")
			return
		}
		perPage = n
	}
	now := s.lockNow()
	defer s.mu.Unlock()
	wk := s.findWorker(func(x *worker) bool { return x.tag == tag })
	if wk == nil {
		writeError(w, http.StatusNotFound, 12000, "Worker not found")
		return
	}
	total := len(wk.builds)
	order := s.historyOrder(wk)
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)
	out := make([]map[string]any, 0, to-from)
	for _, i := range order[from:to] {
		out = append(out, s.buildJSON(wk.builds[i], now))
	}
	pages := (total + perPage - 1) / perPage
	info := map[string]any{"next_page": page < pages, "page": page, "per_page": perPage, "count": len(out),
		"total_count": total, "total_pages": pages}
	writeEnvelope(w, http.StatusOK, true, nil, out, info)
}

// historyOrder lists indexes into wk.builds (oldest first) in the order the
// options ask for. Shuffled is a fixed interleave of the oldest and newest
// halves, so every page mixes old and new. Called under s.mu.
func (s *Sim) historyOrder(wk *worker) []int {
	n := len(wk.builds)
	order := make([]int, 0, n)
	switch s.opts.HistoryOrder {
	case HistoryOldestFirst:
		for i := range n {
			order = append(order, i)
		}
	case HistoryShuffled:
		for lo, hi := 0, n-1; lo <= hi; lo, hi = lo+1, hi-1 {
			order = append(order, lo)
			if hi != lo {
				order = append(order, hi)
			}
		}
	default:
		for i := n - 1; i >= 0; i-- {
			order = append(order, i)
		}
	}
	return order
}

func (s *Sim) serveBuild(w http.ResponseWriter, id string) {
	now := s.lockNow()
	defer s.mu.Unlock()
	b, ok := s.builds[id]
	if !ok {
		writeError(w, http.StatusNotFound, 12000, "Build not found")
		return
	}
	writeEnvelope(w, http.StatusOK, true, nil, s.buildJSON(b, now), nil)
}

// encodeCursor writes base64 of "[limit,offset]", like the one real cursor seen
// (base64 of "[0,34]"); limit is 0 in incremental mode.
func encodeCursor(limit, offset int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "[%d,%d]", limit, offset))
}

func decodeCursor(c string) (limit, offset int, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, false
	}
	var v [2]int
	if json.Unmarshal(raw, &v) != nil || v[0] < 0 || v[1] < 0 {
		return 0, 0, false
	}
	return v[0], v[1], true
}

func (s *Sim) serveLogs(w http.ResponseWriter, r *http.Request, id string) {
	now := s.lockNow()
	defer s.mu.Unlock()
	b, ok := s.builds[id]
	if !ok {
		writeError(w, http.StatusNotFound, 12000, "Build not found")
		return
	}
	lines := b.visible(now)
	limit, offset := 0, 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		var ok bool
		if limit, offset, ok = decodeCursor(c); !ok {
			writeError(w, http.StatusBadRequest, 12013, "invalid cursor")
			return
		}
	} else if s.opts.Cursor == CursorSnapshot {
		limit = len(lines)
	}
	end := len(lines)
	if s.opts.Cursor == CursorSnapshot {
		end = min(limit, end)
	}
	offset = min(offset, end)
	to := min(offset+s.opts.PageSize, end)
	out := make([][2]any, 0, to-offset)
	for _, l := range lines[offset:to] {
		out = append(out, [2]any{b.runOn.Add(l.at).UnixMilli(), l.text})
	}
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{
		"cursor":    encodeCursor(limit, to),
		"lines":     out,
		"truncated": to < end,
		"events":    b.events(now),
	}, nil)
}

func (s *Sim) serveCancel(w http.ResponseWriter, id string) {
	now := s.lockNow()
	defer s.mu.Unlock()
	b, ok := s.builds[id]
	if !ok {
		writeError(w, http.StatusNotFound, 12000, "Build not found")
		return
	}
	if !now.Before(b.stopOn) {
		writeError(w, http.StatusBadRequest, 12002, "Build is already stopped and cannot be cancelled")
		return
	}
	b.cancel(now)
	b.worker.dropDeploy(b)
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{
		"build_uuid": b.uuid, "build_outcome": "cancelled", "stopped_on": ts(now),
	}, nil)
}
