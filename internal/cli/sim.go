package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
)

// parseFaults reads "5xx=0.2,html=0.05,malformed=0.05,false=0.01,reset=0.01,truncated=0.01,latency=3s".
func parseFaults(spec string) (sim.Faults, error) {
	var f sim.Faults
	if spec == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, usagef("--faults: %q is not name=value", part)
		}
		if k == "latency" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return f, usagef("--faults: latency wants a duration like 500ms, got %q", v)
			}
			f.Latency = d
			continue
		}
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 1 {
			return f, usagef("--faults: %s wants a probability between 0 and 1, got %q", k, v)
		}
		switch k {
		case "5xx":
			f.Server5xx = p
		case "html":
			f.HTML502 = p
		case "malformed":
			f.Malformed = p
		case "false":
			f.SuccessFalse = p
		case "reset":
			f.Reset = p
		case "truncated":
			f.Truncated = p
		default:
			return f, usagef("--faults: unknown fault %q (known: 5xx, html, malformed, false, reset, truncated, latency)", k)
		}
	}
	return f, nil
}

// simEnv is what a shell needs to point cfbuilds at a simulator.
func simEnv(url, account, token string) string {
	return fmt.Sprintf("export CLOUDFLARE_API_BASE_URL=%s\nexport CLOUDFLARE_ACCOUNT_ID=%s\nexport CLOUDFLARE_API_TOKEN=%s\n", url, account, token)
}

func simCommand() command {
	return command{name: "sim", args: "[--addr 127.0.0.1:8787] [flags]", summary: "serve the simulated API for development",
		example:    "cfbuilds sim --faults 5xx=0.2,html=0.05,latency=2s --history-order oldest",
		standalone: true, opts: func() options { return &simOptions{} }}
}

type simOptions struct {
	addr, account, token, readOnly string
	order, envVars, cursor, faults string
	breaks                         string
	eventsQueue, eventFaults       string
	evFaults                       sim.EventFaults
	minutesUsed                    bool
	workers, pageSize, rateLimit   int
	extra                          int
	seed                           uint64
	pushEvery                      time.Duration

	sim sim.Options // built by validate
}

func (o *simOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8787", "listen `address`")
	fs.StringVar(&o.account, "account", sim.DefaultAccountID, "account `id`")
	fs.StringVar(&o.token, "token", sim.DefaultToken, "the `token` that may read and act")
	fs.StringVar(&o.readOnly, "read-only-token", sim.DefaultReadOnlyToken, "a `token` that may only read: writes get 403, code 10000")
	fs.IntVar(&o.workers, "workers", 6, "Workers in the account (1 to 5000)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.IntVar(&o.pageSize, "page-size", 1000, "log lines per page")
	fs.StringVar(&o.cursor, "cursor", "incremental", "`mode`: incremental (the last cursor returns new lines) or snapshot (only a read from the start shows them)")
	fs.IntVar(&o.rateLimit, "rate-limit", 0, "requests per 5 minutes before 429s (0: none); every answer reports what remains in Ratelimit headers")
	fs.StringVar(&o.order, "history-order", "newest", "`order` of a Worker's history pages: newest, oldest or shuffled")
	fs.StringVar(&o.envVars, "env-vars", "object", "`shape` of environment_variables: object ({is_secret, created_on, value}) or plain (name: value)")
	fs.DurationVar(&o.pushEvery, "push-every", 20*time.Second, "mean `time` between pushes (negative: none)")
	fs.IntVar(&o.extra, "extra-log-lines", 0, "pad every new build's log with `N` lines")
	fs.StringVar(&o.breaks, "break", "", "give Workers problems cfbuilds doctor finds: a `SPEC` such as api-gateway=token,webhooks=pages (problems: "+strings.Join(sim.Problems(), ", ")+")")
	fs.BoolVar(&o.minutesUsed, "minutes-used", false, "the account's build minutes are used up")
	fs.StringVar(&o.eventsQueue, "events-queue", sim.DefaultQueue, "set up build events on a queue of this `name`, every Worker subscribed (\"\": none)")
	fs.StringVar(&o.eventFaults, "events-faults", "", "loosen the delivery of build events: a `SPEC` such as dup=0.2,reorder,delay=5s,drop=0.1")
	fs.StringVar(&o.faults, "faults", "", "faults to inject: a `SPEC` such as 5xx=0.2,html=0.05,malformed=0.05,false=0.01,reset=0.01,truncated=0.01,latency=3s")
}

func (o *simOptions) validate(args []string) error {
	if err := wantArgs("sim", args, 0, ""); err != nil {
		return err
	}
	f, err := parseFaults(o.faults)
	if err != nil {
		return err
	}
	modes := map[string]sim.CursorMode{"incremental": sim.CursorIncremental, "snapshot": sim.CursorSnapshot}
	mode, ok := modes[o.cursor]
	if !ok {
		return usagef("--cursor must be incremental or snapshot, got %q", o.cursor)
	}
	orders := map[string]sim.HistoryOrder{"newest": sim.HistoryNewestFirst, "oldest": sim.HistoryOldestFirst, "shuffled": sim.HistoryShuffled}
	histOrder, ok := orders[o.order]
	if !ok {
		return usagef("--history-order must be newest, oldest or shuffled, got %q", o.order)
	}
	if o.envVars != "object" && o.envVars != "plain" {
		return usagef("--env-vars must be object or plain, got %q", o.envVars)
	}
	if o.workers < 1 || o.workers > 5000 || o.pageSize < 1 || o.extra < 0 || o.rateLimit < 0 {
		return usagef("--workers wants 1 to 5000, --page-size at least 1, --extra-log-lines and --rate-limit at least 0")
	}
	if o.evFaults, err = sim.ParseEventFaults(o.eventFaults); err != nil {
		return usagef("--events-faults: %v", err)
	}
	o.sim = sim.Options{AccountID: o.account, Token: o.token, ReadOnlyToken: o.readOnly, Workers: o.workers, Seed: o.seed,
		PageSize: o.pageSize, Cursor: mode, RateLimit: o.rateLimit, PushEvery: o.pushEvery, ExtraLogLines: o.extra, Faults: f,
		HistoryOrder: histOrder, PlainEnvVars: o.envVars == "plain"}
	return nil
}

// run serves a simulated account until interrupted.
func (o *simOptions) run(ctx context.Context, e *env) error {
	s := sim.New(o.sim)
	breaks, err := sim.ParseBreaks(o.breaks)
	if err != nil {
		return usagef("--break: %v", err)
	}
	for _, b := range breaks {
		if err := s.Break(b[0], b[1]); err != nil {
			return usagef("--break: %v", err)
		}
	}
	s.SetBuildMinutesReached(o.minutesUsed)
	if o.eventsQueue != "" {
		s.SetupEvents(o.eventsQueue)
		s.SetEventFaults(o.evFaults)
	}
	sv, err := s.Listen(o.addr)
	if err != nil {
		return err
	}
	defer sv.Close()
	fmt.Fprintf(e.stdout, "# cfbuilds simulator on %s; point cfbuilds at it with:\n%s", sv.Addr(), simEnv(sv.URL, o.account, o.token))
	if o.eventsQueue != "" {
		fmt.Fprintf(e.stdout, "# its builds' events go to queue %s: read them with\nexport CFBUILDS_EVENTS_QUEUE=%s\n", o.eventsQueue, o.eventsQueue)
	}
	fmt.Fprintf(e.stdout, "# a GitHub stand-in takes commit statuses (watch --commit --status github); GET http://%s/__sim/statuses shows them:\n# export GITHUB_API_URL=http://%s/github GITHUB_TOKEN=%s\n", sv.Addr(), sv.Addr(), sim.ForgeToken)
	fmt.Fprintf(e.stdout, "# simulate a push to several Workers: POST a JSON body of repo, branch, commit, and workers (name: seconds until its build starts):\n# curl -H 'Authorization: Bearer %s' -d '{\"repo\":\"acme/monorepo\",\"branch\":\"main\",\"commit\":\"<sha>\",\"workers\":{\"api-gateway\":0,\"auth-service\":20}}' http://%s/__sim/push\n", o.token, sv.Addr())
	<-ctx.Done()
	return nil
}
