package jobfile

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The text of every problem this package reports. Each is a format for
// fmt.Sprintf; the position (FILE:LINE:COL) is added by Error.
const (
	// The file as a whole (no position).
	msgIsDir      = "is a directory"
	msgNotRegular = "not a regular file"
	msgTooLarge   = "too large (%s bytes; the limit is 16 MiB)"
	msgNoStdin    = "no standard input to read the job file from"

	// Text that yaml.v3 would refuse before parsing.
	msgInvalidUTF8 = "invalid UTF-8 (byte 0x%02x)"
	msgUTF16       = "invalid UTF-8: the file looks like UTF-16; save it as UTF-8"
	msgNUL         = "NUL byte: a job file is UTF-8 text"
	msgControl     = "character %U is not allowed in YAML"

	// The document.
	msgEmptyFile  = `empty job file: want a mapping with a "jobs" key`
	msgSecondDoc  = "a job file holds one YAML document; found a second"
	msgNoJobs     = `missing "jobs": want a mapping of job names to jobs`
	msgEmptyJobs  = `"jobs" is empty: want at least one job`
	msgAliasBomb  = "too many alias expansions"
	msgMergeCycle = "merge of anchor %q into itself"

	// Keys.
	msgUnknownKey    = "unknown key %q%s"
	msgUnknownKeyIn  = "unknown key %q in job %q%s"
	msgUnknownKeyIn2 = "unknown key %q in %s%s"
	msgDuplicate     = "duplicate %s (first defined at %d:%d)"
	msgBadJobName    = "bad job name %q (names match [A-Za-z0-9][A-Za-z0-9_.-]*)"
	msgBadEnvName    = "bad env name %q (names match [A-Za-z_][A-Za-z0-9_]*)"

	// Values. msgWrongType reads "timeout: want a duration like "5s", got a sequence".
	msgWrongType   = "%s: want %s, got %s"
	msgBadDuration = "bad duration %q for %s: %s"
	msgEmpty       = "%s is empty"
	msgNoRun       = `job %q has no "run"`
	msgShellPath   = "shell %q not found in PATH"
	msgDirMissing  = "dir %q does not exist%s"
	msgDirNotDir   = "dir %q is not a directory"
	msgDirStat     = "dir %q: %v"
	msgHostUnknown = "job %q: host %q is none of the run's hosts (%s)"

	// needs.
	msgNeedsSelf     = "job %q needs itself"
	msgNeedsTwice    = "job %q needs %q twice (first at %d:%d)"
	msgNeedsUnknown  = "job %q needs unknown job %q%s"
	msgNeedsSameVar  = "needs %q and %q both map to %s"
	msgNeedsCycle    = "dependency cycle: %s"
	msgDidYouMean    = " (did you mean %q?)"
	msgValidKeys     = " (valid keys: %s)"
	msgDurationUnit  = `missing unit (e.g. "%ss")`
	msgDurationUnits = `unknown unit %q (units: ns, us, ms, s, m, h)`
	msgDurationForm  = `want a number and a unit, like "5s", "1m30s" or "500ms"`
)

// newError is the one constructor of the *Error values this package
// returns. A zero pos makes a whole-file error.
func newError(file string, pos Pos, cause error, format string, args ...any) *Error {
	return &Error{File: file, Pos: pos, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// posOf is the position of n as yaml.v3 records it.
func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// maxShown bounds how much of a scalar a message quotes.
const maxShown = 40

// describe names what a node is, for "want X, got Y": a scalar by its
// value (quoted when it is a string), anything else by its kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case nullTag:
			return "null"
		case intTag, floatTag, boolTag:
			return shorten(n.Value)
		}
		return strconv.Quote(shorten(n.Value))
	}
	return "nothing"
}

// shorten cuts s to maxShown characters, marking the cut.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxShown {
		return s
	}
	return string(r[:maxShown]) + "..."
}

// hint is the " (did you mean ...)" suffix for an unknown key close to a
// valid one, else " (valid keys: ...)" listing shown, or valid when shown
// is "".
func hint(key string, valid []string, shown string) string {
	if s := suggest(key, valid); s != "" {
		return fmt.Sprintf(msgDidYouMean, s)
	}
	if shown == "" {
		shown = strings.Join(valid, ", ")
	}
	return fmt.Sprintf(msgValidKeys, shown)
}
