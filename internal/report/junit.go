package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
)

// The JUnit XML report (--junit FILE): one <testsuite> for the run, one
// <testcase> per job, in the order the mode reports jobs. It follows the
// schema Jenkins' xUnit plugin publishes (junit-10.xsd), the format that
// GitLab's and GitHub's test reporters read:
//
//	<testsuites name tests failures errors time>
//	  <testsuite name tests failures errors skipped time timestamp hostname package>
//	    <properties><property name value/>...</properties>
//	    <testcase name classname time>
//	      <failure|error|skipped message type>text</...>
//	      <system-out>the job's value</system-out>
//	      <system-err>its standard error</system-err>
//
// How outcomes map (a job is a test: failure = it ran and failed, error =
// it could not run or was stopped from outside, skipped = it did not run
// to an end of its own because something else failed):
//
//	finished                           passed
//	ExitError(N)                       <failure type="ExitError">
//	TimeoutError (its own timeout)     <failure type="TimeoutError">
//	cancelled by fail-fast             <skipped>  (the sibling's failure is the test that failed)
//	needs OTHER, which failed          <skipped>  (OTHER's testcase has the failure)
//	cancelled by the command's
//	  --timeout, a signal to aiorun,
//	  or killed by a signal from outside <error type="CancelledError">
//	OSError (could not start)          <error type="OSError">
//	ConnectionError (remote)           <error type="ConnectionError">
//
// message is the exception and what it says ("ExitError(3): exit status
// 3", "TimeoutError(): timed out after 1s"); the text is the job's status
// line and the last lines of its output. Output is
// clipped (see ClipBytes), ANSI colour sequences are removed, and
// characters XML cannot carry become U+FFFD.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Package    string          `xml:"package,attr,omitempty"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
	SystemOut *junitText    `xml:"system-out"`
	SystemErr *junitText    `xml:"system-err"`
}

type junitProblem struct {
	Message string
	Type    string
	Text    string
}

// MarshalXML writes the text with its newlines as they are (a ",chardata"
// field would write each as &#xA;), so the report reads well in an editor.
func (p *junitProblem) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "message"}, Value: p.Message})
	if p.Type != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "type"}, Value: p.Type})
	}
	return encodeText(e, start, p.Text)
}

type junitText struct {
	Text string
}

func (t *junitText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeText(e, start, t.Text)
}

func encodeText(e *xml.Encoder, start xml.StartElement, text string) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeToken(xml.CharData(text)); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// junitKind is what a job's outcome is in JUnit: "" (passed), "failure",
// "error" or "skipped", and the exception's type name.
func junitKind(err error) (kind, typ string) {
	if err == nil {
		return "", ""
	}
	var (
		exit    *exception.ExitError
		timeout *exception.TimeoutError
		cancel  *exception.CancelledError
		needs   *exception.NeedsError
		conn    *exception.ConnectionError
	)
	switch {
	case errors.As(err, &needs):
		return "skipped", ""
	case errors.As(err, &exit):
		return "failure", "ExitError"
	case errors.As(err, &timeout):
		return "failure", "TimeoutError"
	case errors.As(err, &cancel):
		if cancel.Reason == exception.ReasonFailFast {
			return "skipped", ""
		}
		return "error", "CancelledError"
	case errors.As(err, &conn):
		return "error", "ConnectionError"
	}
	return "error", "OSError"
}

// WriteJUnit writes run as a JUnit XML report.
func WriteJUnit(w io.Writer, run *Run) error {
	class := run.File
	if class == "" || class == "-" {
		class = "stdin"
	}
	class = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(class), ".yaml"), ".yml")
	host, _ := os.Hostname()
	suite := junitSuite{
		Name:      run.Title,
		Time:      seconds(run.Wall()),
		Timestamp: run.Start.UTC().Format("2006-01-02T15:04:05"),
		Hostname:  host,
		Package:   class,
		File:      run.File,
		Properties: []junitProperty{
			{Name: "aiorun.mode", Value: string(run.Mode)},
			{Name: "aiorun.file", Value: run.File},
			{Name: "aiorun.exit_code", Value: strconv.Itoa(run.Result.ExitCode)},
		},
	}
	if run.Result.Err != nil {
		suite.Properties = append(suite.Properties, junitProperty{Name: "aiorun.error", Value: cleanText(run.Result.Err.Error())})
	}
	for _, j := range run.Jobs {
		c := junitCase{Name: j.Name, Classname: class, Time: seconds(j.Duration)}
		kind, typ := junitKind(j.Err)
		if kind != "" {
			status := StatusText(j.Err)
			text := j.Name + ": " + status
			if n := len(j.Attempts); n > 1 {
				text += fmt.Sprintf(" (after %d attempts)", n)
			}
			if tail := j.Output.Tail(20); tail != "" {
				text += "\n\n" + tail
			}
			x := exception.As(j.Err)
			p := &junitProblem{Message: cleanText(x.Repr() + ": " + x.Error()), Type: typ, Text: cleanText(text)}
			switch kind {
			case "failure":
				c.Failure = p
			case "error":
				c.Error = p
			case "skipped":
				c.Skipped = p
			}
		}
		if j.Stdout.Len() > 0 {
			c.SystemOut = &junitText{cleanText(j.Stdout.String())}
		}
		if j.Stderr.Len() > 0 {
			c.SystemErr = &junitText{cleanText(j.Stderr.String())}
		}
		suite.Tests++
		switch kind {
		case "failure":
			suite.Failures++
		case "error":
			suite.Errors++
		case "skipped":
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{
		Name: "aiorun", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// seconds is d in seconds with millisecond precision: "2.003".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Millisecond).Seconds(), 'f', 3, 64)
}

// cleanText removes ANSI escape sequences (a job's colours), which XML
// cannot carry and reports would show as noise.
func cleanText(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	return StripANSI(s)
}

// StripANSI removes ANSI escape sequences: CSI (ESC [ ... final byte),
// OSC (ESC ] ... BEL or ESC \), and two-byte escapes.
func StripANSI(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != 0x1b || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
		case ']':
			j := i + 2
			for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
				j++
			}
			if j < len(s) && s[j] == 0x1b {
				j++
			}
			i = j
		default:
			i++
		}
	}
	return b.String()
}
