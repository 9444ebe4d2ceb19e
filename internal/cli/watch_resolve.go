package cli

// Which push watch --commit follows: the commit, branch and repository
// from the flags, the CI's environment, or the git checkout here.

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"github.com/cfbuilds/cfbuilds/model"
)

// git runs git in dir ("" the current directory) and returns its first line.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

// ciBranch is the branch a CI job runs for, from its environment: GitLab
// (CI_COMMIT_BRANCH, CI_COMMIT_REF_NAME), GitHub Actions (GITHUB_HEAD_REF
// for a pull request, else GITHUB_REF_NAME). Both check out a detached
// HEAD, so git cannot say.
func ciBranch(getenv func(string) string) string {
	for _, k := range []string{"CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME", "GITHUB_HEAD_REF", "GITHUB_REF_NAME"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

var remoteRepo = regexp.MustCompile(`(?:github\.com|gitlab\.com)[:/]+([^/]+/[^/]+?)(?:\.git)?/?$`)

// repoOf reads owner/name from a remote URL: https and ssh, GitHub and GitLab.
func repoOf(remote string) (string, bool) {
	m := remoteRepo.FindStringSubmatch(strings.TrimSpace(remote))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// resolvePush is the push the flags name; HEAD, the branch and the
// repository come from the git checkout here when not given.
func (o *watchOptions) resolvePush(e *env) (model.Push, error) {
	dir := e.dir
	p := model.Push{Commit: o.commit, Repo: o.repo, Branch: o.branch}
	o.fromCI(e.getenv, &p)
	if o.commit == "" && p.Commit != "" && p.Branch == "" {
		p.Branch = ciBranch(e.getenv) // the CI's own commit: its branch too
	}
	if p.Commit == "" {
		return p, usagef("watch needs a BUILD_UUID or --commit SHA|HEAD (see cfbuilds watch --help)")
	}
	if p.Commit == "HEAD" {
		sha, err := git(dir, "rev-parse", "HEAD")
		if err != nil {
			return p, usagef("--commit HEAD needs a git checkout here: %v", err)
		}
		p.Commit = sha
		if p.Branch == "" {
			p.Branch = ciBranch(e.getenv)
		}
		if p.Branch == "" {
			// "HEAD" is a detached checkout (CI's usual), not a branch:
			// then every branch the builds show is the push's.
			if b, _ := git(dir, "rev-parse", "--abbrev-ref", "HEAD"); b != "HEAD" {
				p.Branch = b
			}
		}
	}
	if p.Branch == "HEAD" {
		p.Branch = ""
	}
	if p.Repo == "" {
		remote, err := git(dir, "remote", "get-url", "origin")
		r, ok := repoOf(remote)
		if err != nil || !ok {
			return p, usagef("name the repository with --repo owner/name (no GitHub or GitLab origin remote here)")
		}
		p.Repo = r
	}
	diff := exec.Command("git", "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", p.Commit)
	diff.Dir = dir
	if out, err := diff.Output(); err == nil {
		p.Files = strings.Fields(string(out))
	}
	return p, nil
}
