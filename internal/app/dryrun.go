package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aiorun/aiorun/internal/exception"
	"github.com/aiorun/aiorun/internal/jobfile"
	"github.com/aiorun/aiorun/internal/runner"
)

// DryRun prints what a mode command would run, and starts nothing
// (--dry-run): a line for the command's settings, then each job of the
// plan in the order the runner would consider them (what a job needs
// before it), with its command, shell, directory, the environment it adds,
// its timeout, needs, retries and shield. Under --json it prints one JSON
// object per job instead ("event":"plan").
func DryRun(s Streams, f *jobfile.File, jobs []string, opts Options) error {
	plan := runner.Closure(f, jobs)
	selected := jobs
	if len(selected) == 0 {
		selected = f.Names()
	}
	if opts.JSON {
		return dryRunJSON(s, f, plan, selected)
	}
	var b strings.Builder
	settings := []string{fmt.Sprintf("%d job%s", len(plan), plural(len(plan)))}
	if opts.MaxWorkers > 0 {
		settings = append(settings, fmt.Sprintf("at most %d at once", opts.MaxWorkers))
	} else {
		settings = append(settings, "no worker limit")
	}
	if opts.Timeout > 0 {
		settings = append(settings, "timeout "+exception.FormatDuration(opts.Timeout))
	}
	settings = append(settings, "grace "+exception.FormatDuration(opts.Grace))
	if opts.ReturnExceptions {
		settings = append(settings, "return exceptions")
	} else {
		settings = append(settings, "fail-fast")
	}
	fmt.Fprintf(&b, "%s %s: %s\n", opts.Mode, f.Path, strings.Join(settings, ", "))
	for _, name := range plan {
		j := f.Job(name)
		b.WriteString(j.Name)
		if !slices.Contains(selected, name) {
			b.WriteString("  (needed by " + strings.Join(neededBy(f, plan, name), ", ") + ")")
		}
		b.WriteByte('\n')
		field := func(key, value string) {
			lines := strings.Split(value, "\n")
			fmt.Fprintf(&b, "  %-9s %s\n", key+":", lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(&b, "  %-9s %s\n", "", l)
			}
		}
		field("run", strings.TrimRight(j.Run, "\n"))
		field("shell", f.Shell)
		field("dir", showDir(j.Dir))
		env := envAdditions(f, j)
		if len(env) == 0 {
			field("env", "-")
		}
		for i, kv := range env {
			key := ""
			if i == 0 {
				key = "env:"
			}
			fmt.Fprintf(&b, "  %-9s %s\n", key, kv)
		}
		timeout := "none"
		if j.Timeout > 0 {
			timeout = exception.FormatDuration(j.Timeout)
		}
		field("timeout", timeout)
		needs := "-"
		if len(j.Needs) > 0 {
			needs = strings.Join(j.Needs, ", ")
		}
		field("needs", needs)
		retries := strconv.Itoa(j.Retries)
		if j.Retries > 0 {
			retries += " (after " + exception.FormatDuration(j.RetryDelay) + ", doubling)"
		}
		field("retries", retries)
		field("shield", map[bool]string{true: "yes", false: "no"}[j.Shield])
	}
	b.WriteString("nothing was started (--dry-run)\n")
	_, err := fmt.Fprint(s.Out, b.String())
	return err
}

type dryRunJob struct {
	Event       string   `json:"event"`
	Job         string   `json:"job"`
	Selected    bool     `json:"selected"`
	Run         string   `json:"run"`
	Shell       string   `json:"shell"`
	Dir         string   `json:"dir"`
	Env         []string `json:"env"`
	TimeoutS    float64  `json:"timeout_s,omitempty"`
	Needs       []string `json:"needs"`
	Retries     int      `json:"retries"`
	RetryDelayS float64  `json:"retry_delay_s,omitempty"`
	Shield      bool     `json:"shield"`
}

func dryRunJSON(s Streams, f *jobfile.File, plan, selected []string) error {
	enc := json.NewEncoder(s.Out)
	enc.SetEscapeHTML(false)
	for _, name := range plan {
		j := f.Job(name)
		d := dryRunJob{
			Event: "plan", Job: j.Name, Selected: slices.Contains(selected, name),
			Run: j.Run, Shell: f.Shell, Dir: showDir(j.Dir), Env: envAdditions(f, j),
			TimeoutS: j.Timeout.Seconds(), Needs: j.Needs, Retries: j.Retries, Shield: j.Shield,
		}
		if d.Env == nil {
			d.Env = []string{}
		}
		if d.Needs == nil {
			d.Needs = []string{}
		}
		if j.Retries > 0 {
			d.RetryDelayS = j.RetryDelay.Seconds()
		}
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	return nil
}

// envAdditions is what the job file adds to a job's environment, NAME=VALUE
// in the order it applies them (the job's own entries win), with the
// values of the jobs it awaits.
func envAdditions(f *jobfile.File, j *jobfile.Job) []string {
	var out []string
	seen := map[string]int{}
	add := func(k, v string) {
		kv := k + "=" + shellWord(v)
		if i, ok := seen[k]; ok {
			out[i] = kv
			return
		}
		seen[k] = len(out)
		out = append(out, kv)
	}
	for _, v := range f.Env {
		add(v.Name, v.Value)
	}
	for _, v := range j.Env {
		add(v.Name, v.Value)
	}
	for _, n := range j.Needs {
		out = append(out, jobfile.ValueVar(n)+"=<value of "+n+">")
	}
	return out
}

// shellWord quotes v as sh would need it, when it needs it.
func shellWord(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:,=+@%", r))
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// showDir is a job's directory relative to the current one when inside it,
// "." when the job runs where aiorun runs.
func showDir(dir string) string {
	if dir == "" {
		return "."
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return dir
}

// neededBy lists the jobs of the plan that need name.
func neededBy(f *jobfile.File, plan []string, name string) []string {
	var out []string
	for _, other := range plan {
		if slices.Contains(f.Job(other).Needs, name) {
			out = append(out, other)
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
