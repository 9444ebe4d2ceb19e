package sim

// A local stand-in for GitHub's and GitLab's commit-status endpoints
// (API.md, "Commit statuses"), so `watch --commit --status` is tested
// here and `cfbuilds sim` shows what it would post: under /github on the
// simulator's address (GITHUB_API_URL=http://ADDR/github) and /gitlab/api/v4
// (CI_API_V4_URL=http://ADDR/gitlab/api/v4).

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"
)

// ForgeToken is the token the stand-in accepts.
const ForgeToken = "forge-token-0123456789"

// ForgeStatus is one posted status.
type ForgeStatus struct {
	Kind, Repo, SHA                        string
	State, Context, Description, TargetURL string
	At                                     time.Time
}

// Forge records the statuses posted to it.
type Forge struct {
	Token string   // default ForgeToken
	Repos []string // the repositories it has (none: any)

	mu     sync.Mutex
	posted []ForgeStatus
	fail   []*forgeFault // nil: take the post
}

// forgeFault is an answer given instead of taking a post.
type forgeFault struct {
	status   int
	location string
}

// FailAfter takes the next skip posts, then answers n posts with status
// instead of taking them; a 3xx carries location (a redirect a status
// write must not follow).
func (f *Forge) FailAfter(skip, n, status int, location string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range skip {
		f.fail = append(f.fail, nil)
	}
	for range n {
		f.fail = append(f.fail, &forgeFault{status, location})
	}
}

var (
	reGitHubStatus = regexp.MustCompile(`^/github/repos/([^/]+/[^/]+)/statuses/([0-9a-fA-F]{7,64})$`)
	reGitLabStatus = regexp.MustCompile(`^/gitlab/api/v4/projects/([^/]+)/statuses/([0-9a-fA-F]{7,64})$`)
)

// Statuses is what was posted, in order.
func (f *Forge) Statuses() []ForgeStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.posted)
}

func (f *Forge) token() string {
	if f.Token == "" {
		return ForgeToken
	}
	return f.Token
}

// ServeHTTP takes a status post.
func (f *Forge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	kind, m := "github", reGitHubStatus.FindStringSubmatch(path)
	if m == nil {
		kind, m = "gitlab", reGitLabStatus.FindStringSubmatch(path)
	}
	if m == nil || r.Method != http.MethodPost {
		forgeError(w, http.StatusNotFound, "Not Found")
		return
	}
	f.mu.Lock()
	var ff *forgeFault
	if len(f.fail) > 0 {
		ff, f.fail = f.fail[0], f.fail[1:]
	}
	f.mu.Unlock()
	if ff != nil {
		if ff.location != "" {
			w.Header().Set("Location", ff.location)
		}
		forgeError(w, ff.status, http.StatusText(ff.status))
		return
	}
	repo, _ := url.PathUnescape(m[1])
	tok := r.Header.Get("PRIVATE-TOKEN") + r.Header.Get("JOB-TOKEN")
	if kind == "github" {
		tok = r.Header.Get("Authorization")
		if len(tok) > 7 {
			tok = tok[7:] // "Bearer "
		}
	}
	if tok != f.token() {
		forgeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if len(f.Repos) > 0 && !slices.Contains(f.Repos, repo) {
		forgeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var body struct {
		State       string `json:"state"`
		Context     string `json:"context"`
		Name        string `json:"name"`
		Description string `json:"description"`
		TargetURL   string `json:"target_url"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	okStates := map[string][]string{"github": {"pending", "success", "failure", "error"}, "gitlab": {"pending", "running", "success", "failed", "canceled"}}
	if json.Unmarshal(raw, &body) != nil || !slices.Contains(okStates[kind], body.State) || len(body.Description) > 140*4 {
		forgeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	st := ForgeStatus{Kind: kind, Repo: repo, SHA: m[2], State: body.State, Context: body.Context + body.Name,
		Description: body.Description, TargetURL: body.TargetURL, At: time.Now()}
	f.mu.Lock()
	f.posted = append(f.posted, st)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": len(f.posted), "state": st.State, "context": st.Context, "description": st.Description, "target_url": st.TargetURL})
}

func forgeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
