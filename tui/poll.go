package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
)

// Commands: each captures the values it needs, never the model, and answers
// with a message that says what it answers.

// callTimeout bounds one command: a hanging server cannot wedge a kind of poll.
const callTimeout = 45 * time.Second

func fetchWorkers(src Source, seq int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		ws, err := src.Workers(ctx)
		return workersMsg{seq: seq, workers: ws, err: err}
	}
}

func fetchLatest(src Source, seq int, tags []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		bs, err := src.LatestBuilds(ctx, tags)
		return latestMsg{seq: seq, builds: bs, err: err}
	}
}

// historyPerPage is how many of a Worker's builds the list keeps.
const historyPerPage = 20

func fetchHistory(src Source, seq int, w model.Worker) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		bs, err := src.WorkerHistory(ctx, w, historyPerPage)
		return historyMsg{tag: w.Tag, seq: seq, builds: bs, err: err}
	}
}

// fetchSelected polls the selected build (when it may still be running and
// the latest-builds poll does not already keep it fresh) and steps its log
// tail. ctx is the selection's: moving on cancels it.
func fetchSelected(ctx context.Context, src Source, seq int, tail model.Tail, knownStopped, fresh bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		msg := selectedMsg{uuid: tail.UUID, seq: seq}
		stopped := knownStopped
		if !knownStopped && !fresh {
			b, err := src.Build(ctx, tail.UUID)
			if err != nil {
				msg.err = err
				msg.step = model.TailStep{Tail: tail}
				return msg
			}
			msg.build, msg.hasB = b, true
			stopped = b.Finished()
		}
		msg.step, msg.err = src.Step(ctx, tail, stopped)
		return msg
	}
}

func cancelBuild(src Source, uuid string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		res, err := src.Cancel(ctx, uuid)
		return cancelMsg{uuid: uuid, res: res, err: err}
	}
}

// realTimer delivers msg after d; tests swap in a virtual clock.
func realTimer(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// errorText is a one-line description of an error for the status bar.
func errorText(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the API did not answer in time"
	}
	return model.SanitizeInline(err.Error())
}
