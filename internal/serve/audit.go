package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/cfbuilds/cfbuilds/model"
)

// auditedSource is a session's view of the shared source: its writes are
// logged with the key that made them, and refused for a read-only key
// (the dashboard hides them already; this holds even if it did not).
type auditedSource struct {
	model.Source
	who    AuthorizedKey
	mayAct bool
	logf   func(format string, args ...any)
}

func (a auditedSource) refuse(what string) error {
	a.logf("audit: %s by %s: refused, read-only key", what, a.who)
	return errors.New("read-only: your SSH key is not an operator's")
}

func (a auditedSource) Cancel(ctx context.Context, uuid string) (model.CancelResult, error) {
	what := "cancel build " + model.SanitizeInline(uuid)
	if !a.mayAct {
		return model.CancelResult{}, a.refuse(what)
	}
	res, err := a.Source.Cancel(ctx, uuid)
	a.logf("audit: %s by %s: %s", what, a.who, outcomeText(err, "outcome "+cmp.Or(string(res.Outcome), "pending")))
	return res, err
}

func (a auditedSource) StartBuild(ctx context.Context, triggerUUID, branch, commit string, purge bool) (string, error) {
	what := fmt.Sprintf("build branch %q commit %q with trigger %s", model.SanitizeInline(branch), model.SanitizeInline(commit), model.SanitizeInline(triggerUUID))
	if purge {
		what += " after purging its cache"
	}
	if !a.mayAct {
		return "", a.refuse(what)
	}
	id, err := a.Source.StartBuild(ctx, triggerUUID, branch, commit, purge)
	a.logf("audit: %s by %s: %s", what, a.who, outcomeText(err, "started build "+model.SanitizeInline(id)))
	return id, err
}

func outcomeText(err error, ok string) string {
	if err != nil {
		return "failed: " + model.SanitizeInline(err.Error())
	}
	return ok
}
