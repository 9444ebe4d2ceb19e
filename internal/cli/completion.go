package cli

// cfbuilds completion bash|zsh|fish: a completion script for the shell,
// made from the dispatch table (the commands and each one's flags), and
// the hidden `cfbuilds __complete workers` it calls for --worker: the
// Worker names from a file in the cache, read again from the API at most
// once an hour — never a request per keystroke.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func completionCommand() command {
	return command{name: "completion", args: "bash|zsh|fish", summary: "a shell completion script: commands, flags, and Worker names for --worker",
		example:    "source <(cfbuilds completion bash)\ncfbuilds completion fish > ~/.config/fish/completions/cfbuilds.fish",
		standalone: true, opts: func() options { return &completionOptions{} }}
}

type completionOptions struct{ shell string }

func (o *completionOptions) flags(*flag.FlagSet) {}

func (o *completionOptions) validate(args []string) error {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh" && args[0] != "fish") {
		return usagef("completion wants one shell: bash, zsh or fish (see cfbuilds completion --help)")
	}
	o.shell = args[0]
	return nil
}

func (o *completionOptions) run(_ context.Context, e *env) error {
	cmds := completionTable()
	switch o.shell {
	case "bash":
		writeBash(e.stdout, cmds)
	case "zsh":
		// zsh runs the bash function through its bash completion layer.
		fmt.Fprintln(e.stdout, "autoload -U +X bashcompinit && bashcompinit")
		writeBash(e.stdout, cmds)
	default:
		writeFish(e.stdout, cmds)
	}
	return nil
}

// completionTable is every command's name and flags (with a leading --).
func completionTable() map[string][]string {
	out := map[string][]string{}
	for _, c := range commands() {
		if c.name == "" || strings.HasPrefix(c.name, "__") {
			continue
		}
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.opts().flags(fs)
		if !c.standalone {
			var g globalFlags
			g.register(fs)
		}
		var flags []string
		fs.VisitAll(func(f *flag.Flag) {
			if len(f.Name) > 1 { // -h is --help's alias
				flags = append(flags, "--"+f.Name)
			}
		})
		sort.Strings(flags)
		if c.name == "completion" {
			flags = []string{"bash", "zsh", "fish"}
		}
		out[c.name] = flags
	}
	return out
}

func sortedNames(cmds map[string][]string) []string {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func writeBash(w io.Writer, cmds map[string][]string) {
	fmt.Fprintf(w, `# cfbuilds completion for bash (source <(cfbuilds completion bash))
_cfbuilds() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  if [[ "$prev" == "--worker" ]]; then
    COMPREPLY=( $(compgen -W "$(cfbuilds __complete workers 2>/dev/null)" -- "$cur") )
    return
  fi
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W %q -- "$cur") )
    return
  fi
  case "${COMP_WORDS[1]}" in
`, strings.Join(sortedNames(cmds), " ")+" --help --version --demo")
	for _, n := range sortedNames(cmds) {
		fmt.Fprintf(w, "    %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ) ;;\n", n, strings.Join(cmds[n], " "))
	}
	fmt.Fprint(w, `  esac
}
complete -F _cfbuilds cfbuilds
`)
}

func writeFish(w io.Writer, cmds map[string][]string) {
	names := sortedNames(cmds)
	fmt.Fprintln(w, "# cfbuilds completion for fish")
	fmt.Fprintln(w, "complete -c cfbuilds -f")
	fmt.Fprintf(w, "complete -c cfbuilds -n '__fish_use_subcommand' -a '%s'\n", strings.Join(names, " "))
	for _, n := range names {
		if n == "completion" {
			fmt.Fprintln(w, "complete -c cfbuilds -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'")
			continue
		}
		for _, f := range cmds[n] {
			name := strings.TrimPrefix(f, "--")
			if name == "worker" {
				fmt.Fprintf(w, "complete -c cfbuilds -n '__fish_seen_subcommand_from %s' -l worker -x -a '(cfbuilds __complete workers 2>/dev/null)'\n", n)
				continue
			}
			fmt.Fprintf(w, "complete -c cfbuilds -n '__fish_seen_subcommand_from %s' -l %s\n", n, name)
		}
	}
}

// workersCacheFor is how long the Worker names for completion are kept.
const workersCacheFor = time.Hour

func completeCommand() command {
	return command{name: "__complete", args: "workers", summary: "(for completion scripts) the Worker names, from the cache",
		example: "cfbuilds __complete workers", opts: func() options { return &completeOptions{} }}
}

type completeOptions struct{}

func (o *completeOptions) flags(*flag.FlagSet) {}

func (o *completeOptions) validate(args []string) error {
	if len(args) != 1 || args[0] != "workers" {
		return usagef("__complete takes: workers")
	}
	return nil
}

// run prints the Worker names, one a line, from the cache file when it is
// younger than an hour, else from one listing, which it keeps. It says
// nothing on failure: a completion must stay quiet.
func (o *completeOptions) run(ctx context.Context, e *env) error {
	path := workersCachePath(e)
	if path != "" {
		if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) < workersCacheFor {
			if b, err := os.ReadFile(path); err == nil {
				_, _ = e.stdout.Write(b)
				return nil
			}
		}
	}
	ws, err := e.client.Workers(ctx)
	if err != nil {
		return nil
	}
	var b strings.Builder
	for _, w := range ws {
		if !strings.ContainsAny(w.Name, " \t\n\x1b") {
			b.WriteString(w.Name + "\n")
		}
	}
	if path != "" && os.MkdirAll(filepath.Dir(path), 0o700) == nil {
		_ = os.WriteFile(path, []byte(b.String()), 0o600)
	}
	_, _ = io.WriteString(e.stdout, b.String())
	return nil
}

// workersCachePath is the names' file for this account ("" when there is
// no cache directory).
func workersCachePath(e *env) string {
	sum := sha256.Sum256([]byte(e.cfg.BaseURL + "\x00" + e.cfg.AccountID))
	return xdgPath(e.getenv, "XDG_CACHE_HOME", ".cache", "workers-"+hex.EncodeToString(sum[:8])+".txt")
}
