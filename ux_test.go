package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// uxCmds are the custom commands of the terminal scripts
// (testdata/script/ux_*.txtar).
var uxCmds = map[string]scriptCmd{
	"tmux":   cmdTmux,
	"xmlwf":  cmdXMLWellFormed,
	"jsonwf": cmdJSONWellFormed,
	"junit":  cmdJUnit,
}

// uxTmuxSocket names the tmux server of a script: one per script, derived
// from its work directory, so that scripts running in parallel never share
// one and no state needs keeping between commands.
func uxTmuxSocket(ts *testscript.TestScript) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(ts.Getenv("WORK")))
	return fmt.Sprintf("aiorun-test-%d-%x", os.Getpid(), h.Sum64())
}

// cmdTmux drives a program in a real terminal: a private tmux server
// (its own socket, no user config, no status bar) whose one pane runs a
// command, and whose screen the script reads.
//
//	tmux start [-size COLSxROWS] CMD   start the server, running sh -c CMD in $WORK
//	                                   (the pane stays after CMD exits)
//	tmux waitlast REGEX FILE           wait (up to 20s) until the last non-blank
//	                                   line of the screen matches REGEX; write
//	                                   that screen to FILE
//	tmux lastline REGEX                the last non-blank line matches REGEX now
//	tmux waitexit                      wait (up to 20s) until CMD has exited
//	tmux screen FILE                   write the screen to FILE
//
// A screen is written as capture-pane shows it, trailing blank lines cut.
// The server is killed when the script ends. A script that uses it begins
// with `[!exec:tmux] skip` (.ci/run installs tmux).
func cmdTmux(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: tmux start|waitlast|lastline|waitexit|screen ...")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		ts.Fatalf("tmux is not installed; begin the script with [!exec:tmux] skip")
	}
	switch args[0] {
	case "start":
		tmuxStart(ts, args[1:])
	case "waitlast":
		if len(args) != 3 {
			ts.Fatalf("usage: tmux waitlast REGEX FILE")
		}
		re, err := regexp.Compile(args[1])
		ts.Check(err)
		screen := tmuxPoll(ts, "the last line to match "+args[1], func(screen string) bool {
			return re.MatchString(lastLine(screen))
		})
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(screen), 0o644))
	case "lastline":
		if len(args) != 2 {
			ts.Fatalf("usage: tmux lastline REGEX")
		}
		re, err := regexp.Compile(args[1])
		ts.Check(err)
		if screen := tmuxScreen(ts); !re.MatchString(lastLine(screen)) {
			ts.Fatalf("tmux: the last line does not match %s; the screen:\n%s", args[1], screen)
		}
	case "waitexit":
		tmuxPoll(ts, "the command to exit", func(string) bool {
			return strings.TrimSpace(tmuxRun(ts, "display-message", "-p", "#{pane_dead}")) == "1"
		})
	case "screen":
		if len(args) != 2 {
			ts.Fatalf("usage: tmux screen FILE")
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(tmuxScreen(ts)), 0o644))
	default:
		ts.Fatalf("tmux: unknown subcommand %q", args[0])
	}
}

func tmuxStart(ts *testscript.TestScript, args []string) {
	cols, rows := 100, 20
	if len(args) >= 2 && args[0] == "-size" {
		c, r, ok := strings.Cut(args[1], "x")
		var err1, err2 error
		cols, err1 = strconv.Atoi(c)
		rows, err2 = strconv.Atoi(r)
		if !ok || err1 != nil || err2 != nil {
			ts.Fatalf("tmux start: bad -size %q", args[1])
		}
		args = args[2:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: tmux start [-size COLSxROWS] CMD")
	}
	socket := uxTmuxSocket(ts)
	conf := ts.MkAbs(".tmux.conf")
	ts.Check(os.WriteFile(conf, []byte("set -g remain-on-exit on\nset -g status off\n"), 0o644))
	// ts.Exec starts the server with the script's environment (PATH with
	// aiorun, the cleared CI and AIORUN_ variables), which the pane inherits.
	ts.Check(ts.Exec("tmux", "-L", socket, "-f", conf, "new-session", "-d",
		"-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "-c", ts.Getenv("WORK"), args[0]))
	ts.Defer(func() { _ = exec.Command("tmux", "-L", socket, "kill-server").Run() })
}

func tmuxRun(ts *testscript.TestScript, args ...string) string {
	out, err := exec.Command("tmux", append([]string{"-L", uxTmuxSocket(ts)}, args...)...).Output()
	if err != nil {
		ts.Fatalf("tmux %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// tmuxScreen is the pane's screen, trailing blank lines cut.
func tmuxScreen(ts *testscript.TestScript) string {
	screen := tmuxRun(ts, "capture-pane", "-p", "-S", "-")
	var lines []string
	for _, l := range strings.Split(screen, "\n") {
		if !strings.HasPrefix(l, "Pane is dead (") { // tmux's remain-on-exit note
			lines = append(lines, l)
		}
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n ") + "\n"
}

func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	return lines[len(lines)-1]
}

// tmuxPoll captures the screen every 10ms until ok, and returns it.
func tmuxPoll(ts *testscript.TestScript, what string, ok func(screen string) bool) string {
	deadline := time.Now().Add(20 * time.Second)
	for {
		screen := tmuxScreen(ts)
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			ts.Fatalf("tmux: waited 20s for %s; the screen:\n%s", what, screen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// xmlwf FILE: FILE is well-formed XML.
func cmdXMLWellFormed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: xmlwf FILE")
	}
	d := xml.NewDecoder(strings.NewReader(ts.ReadFile(args[0])))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			ts.Fatalf("%s is not well-formed XML: %v", args[0], err)
		}
	}
}

// jsonwf FILE: FILE holds one JSON value.
func cmdJSONWellFormed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jsonwf FILE")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s is not JSON: %v", args[0], err)
	}
}

// junit FILE tests=N failures=N errors=N skipped=N: FILE is a JUnit report
// with one testsuite whose counts are these, and agree with its testcases.
func cmdJUnit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: junit FILE tests=N failures=N errors=N skipped=N")
	}
	type problem struct {
		Message string `xml:"message,attr"`
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   string   `xml:"tests,attr"`
		Suites  []struct {
			Tests    string `xml:"tests,attr"`
			Failures string `xml:"failures,attr"`
			Errors   string `xml:"errors,attr"`
			Skipped  string `xml:"skipped,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Time    string    `xml:"time,attr"`
				Failure []problem `xml:"failure"`
				Error   []problem `xml:"error"`
				Skipped []problem `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(ts.ReadFile(args[0])), &doc); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	if len(doc.Suites) != 1 {
		ts.Fatalf("%s: %d testsuites, want 1", args[0], len(doc.Suites))
	}
	s := doc.Suites[0]
	counted := map[string]int{"tests": len(s.Cases)}
	for _, c := range s.Cases {
		if c.Name == "" || c.Time == "" {
			ts.Fatalf("%s: a testcase without name or time", args[0])
		}
		counted["failures"] += len(c.Failure)
		counted["errors"] += len(c.Error)
		counted["skipped"] += len(c.Skipped)
	}
	attrs := map[string]string{"tests": s.Tests, "failures": s.Failures, "errors": s.Errors, "skipped": s.Skipped}
	for _, want := range args[1:] {
		key, n, _ := strings.Cut(want, "=")
		if attrs[key] != n || strconv.Itoa(counted[key]) != n {
			ts.Fatalf("%s: %s=%q in the testsuite, %d testcases, want %s", args[0], key, attrs[key], counted[key], n)
		}
	}
	if doc.Tests != s.Tests || s.Time == "" {
		ts.Fatalf("%s: testsuites tests=%q, testsuite time=%q", args[0], doc.Tests, s.Time)
	}
}
