package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/model"
)

func logsCommand() command {
	return command{name: "logs", args: "BUILD_UUID [--follow] [--timestamps] [--failed]", summary: "a build's log (--follow: until the build stops)",
		example: "cfbuilds logs 5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b --follow > build.log",
		opts:    func() options { return &logsOptions{} }}
}

type logsOptions struct {
	uuid       string
	follow     bool
	timestamps bool
	failed     bool
}

func (o *logsOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&o.follow, "follow", false, "keep printing new lines until the build stops")
	fs.BoolVar(&o.timestamps, "timestamps", false, "start each line with its time (RFC 3339, UTC)")
	fs.BoolVar(&o.failed, "failed", false, "how the build ended and, when it did not succeed, why: the phase, the first error, the last lines (exit 1)")
}

func (o *logsOptions) validate(args []string) error {
	if err := wantArgs("logs", args, 1, "a BUILD_UUID"); err != nil {
		return err
	}
	o.uuid = args[0]
	return buildUUIDArg("logs", o.uuid)
}

func (o *logsOptions) run(ctx context.Context, e *env) error {
	if o.failed {
		return o.whyFailed(ctx, e)
	}
	colour := isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""
	p := logPrinter{out: e.stdout, colour: colour, timestamps: o.timestamps}
	if !o.follow && !isTerminal(e.stdout) && isTerminal(e.stderr) {
		// logs ID > file: the file fills silently, so the terminal is told
		// how far the read is.
		return readWithProgress(ctx, e.client, o.uuid, p, e.stderr)
	}
	return cmdLogs(ctx, e.client, o.uuid, o.follow, p, e.stderr)
}

// readWithProgress reads a whole log into p, keeping one line on stderr up
// to date: the page, the lines written, and the time left once the build's
// end tells it. The line is cleared at the end.
func readWithProgress(ctx context.Context, c *api.Client, uuid string, p logPrinter, stderr io.Writer) error {
	var stopped *time.Time
	if b, err := c.Build(ctx, uuid); err == nil {
		stopped = b.StoppedOn
	}
	pages, lines := 0, 0
	var first time.Time
	var pace model.ReadPace
	err := c.ReadLogPages(ctx, uuid, func(ls []model.LogLine) error {
		if err := p.print(ls); err != nil {
			return err
		}
		if len(ls) == 0 {
			return nil
		}
		if lines == 0 {
			first = ls[0].Time
		}
		pages, lines = pages+1, lines+len(ls)
		msg := fmt.Sprintf("reading page %d · %d lines", pages, lines)
		if stopped != nil {
			pace.Add(time.Now(), first, ls[len(ls)-1].Time, *stopped)
			if left, ok := pace.Left(); ok {
				msg += " · about " + model.FormatDuration(left) + " left"
			}
		}
		fmt.Fprintf(stderr, "\r\x1b[K%s", msg)
		return nil
	})
	fmt.Fprint(stderr, "\r\x1b[K")
	return err
}

// logPrinter writes log lines safely: colour only when wanted.
type logPrinter struct {
	out        io.Writer
	colour     bool
	timestamps bool
}

func (p logPrinter) print(lines []model.LogLine) error {
	w := bufio.NewWriter(p.out)
	for _, l := range lines {
		s := model.Sanitize(l.Text)
		text := s.Text
		if !p.colour {
			text = s.Plain()
		}
		if p.timestamps {
			w.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
			w.WriteByte(' ')
		}
		w.WriteString(text)
		w.WriteByte('\n')
	}
	return w.Flush() // a closed pipe ends the read
}

func cmdLogs(ctx context.Context, c *api.Client, uuid string, follow bool, p logPrinter, stderr io.Writer) error {
	if !follow {
		// Each page is written as it arrives: `logs > file` fills the file
		// as the read goes, in flat memory, whatever the log's length.
		return c.ReadLogPages(ctx, uuid, p.print)
	}
	var werr error
	phases := phasePrinter{w: stderr}
	_, err := c.Follow(ctx, uuid, api.FollowOptions{Lines: func(l []model.LogLine) {
		phases.lines(l)
		if werr == nil {
			werr = p.print(l)
		}
	}, Err: retryOrGiveUp(stderr)})
	if werr != nil {
		return werr
	}
	return err
}

// phasePrinter says when a phase of the build starts (clone, install, build
// command, deploy command), read from its log's lines as they come. It
// writes to stderr, so stdout stays the log.
type phasePrinter struct {
	w     io.Writer
	tr    model.PhaseTracker
	plain []byte
}

func (p *phasePrinter) lines(ls []model.LogLine) {
	for _, l := range ls {
		before := len(p.tr.Marks)
		p.plain = model.AppendPlain(p.plain[:0], model.Sanitize(l.Text).Text)
		p.tr.Add(l.Time, p.plain)
		if len(p.tr.Marks) == before {
			continue
		}
		m := p.tr.Marks[before]
		took := ""
		if before > 0 {
			prev := p.tr.Marks[before-1]
			took = fmt.Sprintf(" (%s took %s)", prev.Name, model.FormatDuration(m.At.Sub(prev.At)))
		}
		fmt.Fprintf(p.w, "%s  phase: %s%s\n", m.At.Local().Format("15:04:05"), m.Name, took)
	}
}

// retryOrGiveUp reports transient errors and keeps going; errors that will
// not mend by waiting (credentials, unknown build) end the command.
func retryOrGiveUp(stderr io.Writer) func(error) error {
	return func(err error) error {
		if !api.Retryable(err) {
			return err
		}
		fmt.Fprintf(stderr, "cfbuilds: %v (retrying)\n", err)
		return nil
	}
}

// whyFailed is logs --failed: the build's outcome first; for a build that
// did not succeed, why (printFailure). Exit 0 when nothing failed (success,
// skipped, or not finished yet), else 1, as watch.
func (o *logsOptions) whyFailed(ctx context.Context, e *env) error {
	b, err := e.client.Build(ctx, o.uuid)
	if err != nil {
		return err
	}
	switch {
	case !b.Finished():
		fmt.Fprintf(e.stdout, "the build is still %s: nothing has failed yet (cfbuilds watch %s waits for its end)\n", b.State(), b.UUID)
		return nil
	case b.Outcome.OK():
		fmt.Fprintf(e.stdout, "the build %s: nothing failed\n", outcomeSentence(b.Outcome))
		return nil
	}
	if err := printFailure(ctx, e.client, b, e.stdout); err != nil {
		return err
	}
	return exitCode(1)
}

// outcomeSentence says how a build ended, in words: a terminated build
// timed out or was stopped, it did not fail.
func outcomeSentence(o model.Outcome) string {
	switch o {
	case model.OutcomeSuccess:
		return "succeeded"
	case model.OutcomeSkipped:
		return "was skipped (nothing to build)"
	case model.OutcomeCancelled:
		return "was cancelled"
	case model.OutcomeTerminated:
		return "timed out or was stopped (terminated)"
	case model.OutcomeFail:
		return "failed"
	}
	return "ended " + model.SanitizeInline(string(o))
}

// printFailure prints why a build did not succeed: how it ended and in
// which phase, the first error line with a hint for a known cause, and the
// last lines of its log.
func printFailure(ctx context.Context, c *api.Client, b model.Build, out io.Writer) error {
	uuid := b.UUID
	lines, err := c.ReadLog(ctx, uuid)
	if err != nil {
		return err
	}
	plain := make([]string, len(lines))
	for i, l := range lines {
		plain[i] = model.Sanitize(l.Text).Plain()
	}
	f := model.FailureOf(func(i int) string { return plain[i] }, len(plain))
	w := bufio.NewWriter(out)
	phase := "the build " + outcomeSentence(b.Outcome)
	if f.Phase != "" {
		phase += " in " + f.Phase
	}
	fmt.Fprintln(w, phase)
	if f.Text != "" {
		fmt.Fprintf(w, "first error (line %d): %s\n", f.Line+1, f.Text)
	}
	if f.Hint != "" {
		fmt.Fprintf(w, "hint: %s\n", f.Hint)
	}
	fmt.Fprintln(w, "last lines:")
	for _, l := range plain[max(len(plain)-15, 0):] {
		fmt.Fprintf(w, "  %s\n", l)
	}
	return w.Flush()
}
