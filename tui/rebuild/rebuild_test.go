package rebuild

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/styles"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func dialog() Model {
	b := tuitest.Builds(2)[1]
	t := model.Trigger{TriggerUUID: "t1", TriggerName: "Deploy", BuildCommand: "pnpm build", DeployCommand: b.Meta.DeployCommand}
	d := New(styles.New(tuitest.PlainRenderer(), "auto", false), DefaultKeyMap(), b, t)
	d.SetSize(120)
	return d
}

func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func TestKeys(t *testing.T) {
	t.Parallel()
	for k, purge := range map[string]bool{"y": false, "p": true} {
		d, cmd := dialog().Update(tuitest.Key(k))
		msg, ok := run(cmd).(ConfirmedMsg)
		if !ok || msg.Purge != purge || msg.Trigger.TriggerUUID != "t1" {
			t.Fatalf("%s: %#v", k, run(cmd))
		}
		if _, again := d.Update(tuitest.Key("y")); again != nil {
			t.Fatalf("%s: a second key after confirming sent %#v", k, run(again))
		}
	}
	for _, k := range []string{"n", "esc", "enter", "R"} {
		if _, cmd := dialog().Update(tuitest.Key(k)); run(cmd) != (AbortedMsg{}) {
			t.Errorf("%s does not keep things as they are", k)
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	v := dialog().View()
	if !strings.Contains(v, "changed: it ran npm run build") || strings.Contains(v, "Deploy   npx wrangler deploy  (changed") {
		t.Fatalf("changed settings:\n%s", v)
	}
	tuitest.Golden(t, "rebuild", v)
}
