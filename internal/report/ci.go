package report

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

// CIKind is the CI system aiorun runs in, if any.
type CIKind string

const (
	CINone   CIKind = "none"   // not in CI: nothing changes
	CIPlain  CIKind = "plain"  // some CI (CI=true): no colour, no live status line
	CIGitHub CIKind = "github" // GitHub Actions: plain, plus log groups, annotations and a step summary
	CIGitLab CIKind = "gitlab" // GitLab CI: plain, plus collapsible log sections
)

// CIKinds are the values --ci takes besides auto.
var CIKinds = []CIKind{CIGitHub, CIGitLab, CIPlain, CINone}

// DetectCI tells the CI system from the environment, as the systems set
// it: GITHUB_ACTIONS=true, GITLAB_CI=true, or CI set to anything but
// "" / false / 0 (most systems set CI=true).
func DetectCI(getenv func(string) string) CIKind {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return CIGitHub
	case getenv("GITLAB_CI") == "true":
		return CIGitLab
	}
	switch strings.ToLower(getenv("CI")) {
	case "", "false", "0", "no":
		return CINone
	}
	return CIPlain
}

// CI is a reporter for a CI log, on aiorun's standard error, so that
// standard output keeps SPEC's lines exactly (GitHub reads workflow
// commands from both streams; GitLab's section markers work on either).
// When a job ends it writes, in one write:
//
//   - GitHub Actions: the job's output (both streams, every attempt, in
//     the order aiorun read them, clipped as the Recorder clips it) inside a
//     "::group::NAME: STATUS (DURATION)" ... "::endgroup::" block, folded
//     in the log; for a failure of the job's own (not a cancellation, not
//     a re-raised failure of a job it awaited) an
//     "::error title=NAME::STATUS" annotation with the output's last
//     lines. When the command itself fails (its --timeout, a signal) one
//     more "::error title=aiorun::..." annotation says so.
//   - GitLab CI: the same output in a collapsed section
//     ("\e[0Ksection_start:TS:aiorun_N_NAME[collapsed=true]\r\e[0KHEADER"
//     ... "\e[0Ksection_end:TS:aiorun_N_NAME\r\e[0K").
//
// The live prefixed stderr lines are written as always: the blocks are
// each job's tidy record beside the interleaved live log.
type CI struct {
	kind CIKind
	w    io.Writer
	rec  *Recorder
	seq  int
}

// NewCI returns the CI reporter for kind, writing to w (which must take
// each Write whole: Reporter.ErrWriter), reading jobs' output from rec,
// which must get each event before it (put it earlier in a Fanout) and
// keep output. It returns nil for kinds that write nothing of their own.
func NewCI(kind CIKind, w io.Writer, rec *Recorder) *CI {
	if kind != CIGitHub && kind != CIGitLab {
		return nil
	}
	return &CI{kind: kind, w: w, rec: rec}
}

var _ event.Reporter = (*CI)(nil)

func (c *CI) Started(event.Started)        {}
func (c *CI) Retrying(event.Retrying)      {}
func (c *CI) Stderr(string) io.WriteCloser { return nil }

func (c *CI) Finished(e event.Finished) {
	c.seq++
	c.rec.mu.Lock()
	j := c.rec.job(e.Job)
	output := j.Output.String()
	tail := j.Output.Tail(10)
	var first time.Time
	if len(j.Attempts) > 0 {
		first = j.Attempts[0].Start
	}
	c.rec.mu.Unlock()
	end := e.Time
	if end.IsZero() {
		end = time.Now()
	}
	if first.IsZero() {
		first = end
	}
	header := e.Job + ": " + StatusText(e.Err)
	if e.Started {
		header += " (" + fmtSeconds(e.Duration) + ")"
	}
	if output != "" && !strings.HasSuffix(output, "\n") {
		output += "\n"
	}
	var b strings.Builder
	switch c.kind {
	case CIGitHub:
		b.WriteString("::group::" + escapeData(header) + "\n")
		b.WriteString(output)
		b.WriteString("::endgroup::\n")
		if ownFailure(e.Err) {
			msg := StatusText(e.Err)
			if tail != "" {
				msg += "\n\n" + StripANSI(tail)
			}
			b.WriteString("::error title=" + escapeProperty(e.Job) + "::" + escapeData(msg) + "\n")
		}
	case CIGitLab:
		name := "aiorun_" + strconv.Itoa(c.seq) + "_" + e.Job
		fmt.Fprintf(&b, "\x1b[0Ksection_start:%d:%s[collapsed=true]\r\x1b[0K%s\n", first.Unix(), name, header)
		b.WriteString(output)
		fmt.Fprintf(&b, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", end.Unix(), name)
	}
	_, _ = io.WriteString(c.w, b.String())
}

func (c *CI) Result(e event.Result) {
	if c.kind != CIGitHub || e.Err == nil {
		return
	}
	var g *exception.Group
	if errors.As(e.Err, &g) || e.ExitCode == 1 {
		return // each job's own failure was annotated; 1 is --return-exceptions' summary
	}
	_, _ = io.WriteString(c.w, "::error title=aiorun::"+escapeData(e.Err.Error())+"\n")
}

// ownFailure: the job failed by itself, not cancelled by aiorun nor
// re-raising an awaited job's failure.
func ownFailure(err error) bool {
	if err == nil {
		return false
	}
	var (
		cancel *exception.CancelledError
		needs  *exception.NeedsError
	)
	if errors.As(err, &needs) {
		return false
	}
	return !errors.As(err, &cancel) || cancel.Reason == ""
}

// escapeData escapes a workflow command's message as GitHub's runner
// unescapes it: % first, then CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as data,
// plus : and , which end a property.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WriteStepSummary writes run as the markdown GitHub shows on the run's
// summary page ($GITHUB_STEP_SUMMARY, which the caller opens for
// appending): a heading, a one-line summary, and a table of the jobs.
func WriteStepSummary(w io.Writer, run *Run) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", mdEscape(run.Title))
	summary := run.Summary()
	b.WriteString(summary + "\n\n")
	if run.Result.Err != nil && run.Result.ExitCode != 1 {
		fmt.Fprintf(&b, "> aiorun: %s\n\n", mdEscape(run.Result.Err.Error()))
	}
	b.WriteString("| job | status | duration | exit |\n| :-- | :-- | --: | --: |\n")
	for _, j := range run.Jobs {
		dur := "-"
		if len(j.Attempts) > 0 {
			dur = fmtSeconds(j.Duration)
		}
		fmt.Fprintf(&b, "| `%s` | %s %s | %s | %s |\n", j.Name, statusEmoji(j.Err), mdEscape(StatusText(j.Err)),
			dur, ExitText(j.Err))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func statusEmoji(err error) string {
	switch StatusWord(err) {
	case "ok":
		return "✅"
	case "timeout":
		return "⏱️"
	case "cancelled":
		return "⏹️"
	}
	return "❌"
}

// mdEscape makes s safe in a markdown table cell: one line, no cell break,
// no markup.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`).Replace(StripANSI(s))
}
