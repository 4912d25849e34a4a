package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/event"
)

// The report read back as a CI's test reporter reads it.
type parsedSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    string        `xml:"tests,attr"`
	Failures string        `xml:"failures,attr"`
	Errors   string        `xml:"errors,attr"`
	Time     string        `xml:"time,attr"`
	Suites   []parsedSuite `xml:"testsuite"`
}

type parsedSuite struct {
	Name       string `xml:"name,attr"`
	Tests      string `xml:"tests,attr"`
	Failures   string `xml:"failures,attr"`
	Errors     string `xml:"errors,attr"`
	Skipped    string `xml:"skipped,attr"`
	Time       string `xml:"time,attr"`
	Timestamp  string `xml:"timestamp,attr"`
	Package    string `xml:"package,attr"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
	Cases []parsedCase `xml:"testcase"`
}

type parsedProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type parsedCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Failure   *parsedProblem `xml:"failure"`
	Error     *parsedProblem `xml:"error"`
	Skipped   *parsedProblem `xml:"skipped"`
	SystemOut *string        `xml:"system-out"`
	SystemErr *string        `xml:"system-err"`
}

// junitSchema is what Jenkins' junit-10.xsd allows, element by element:
// its attributes (true: required). Anything else fails validation there.
var junitSchema = map[string]map[string]bool{
	"testsuites": {"name": false, "time": false, "tests": false, "failures": false, "errors": false},
	"testsuite": {"name": true, "tests": true, "failures": true, "errors": true, "group": false, "time": false,
		"skipped": false, "timestamp": false, "hostname": false, "id": false, "package": false, "file": false, "log": false, "url": false},
	"properties": {},
	"property":   {"name": true, "value": true},
	"testcase":   {"name": true, "time": false, "classname": false, "group": false},
	"failure":    {"type": false, "message": false},
	"error":      {"type": false, "message": false},
	"skipped":    {"type": false, "message": false},
	"system-out": {},
	"system-err": {},
}

func TestJUnit(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b bytes.Buffer
	if err := WriteJUnit(&b, run); err != nil {
		t.Fatal(err)
	}
	checkJUnitSchema(t, b.Bytes())
	var doc parsedSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the report does not parse: %v\n%s", err, b.String())
	}
	if doc.Name != "aiorun" || doc.Tests != "7" || doc.Failures != "2" || doc.Errors != "1" || doc.Time != "1.310" {
		t.Errorf("testsuites %+v", doc)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "aiorun gather ci/jobs.yaml" || s.Tests != "7" || s.Failures != "2" || s.Errors != "1" ||
		s.Skipped != "2" || s.Time != "1.310" || s.Timestamp != "2026-11-25T10:00:00" || s.Package != "jobs" {
		t.Errorf("testsuite attributes %+v", s)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["aiorun.mode"] != "gather" || props["aiorun.exit_code"] != "1" || props["aiorun.file"] != "ci/jobs.yaml" {
		t.Errorf("properties %v", props)
	}
	var got []string
	cases := map[string]parsedCase{}
	for _, c := range s.Cases {
		got = append(got, c.Name)
		cases[c.Name] = c
		if c.Classname != "jobs" || c.Time == "" {
			t.Errorf("testcase %s: classname %q, time %q", c.Name, c.Classname, c.Time)
		}
	}
	if strings.Join(got, " ") != "h a b t n c k" {
		t.Errorf("testcases %v, want the mode's order", got)
	}

	type want struct{ kind, typ, message string }
	for name, w := range map[string]want{
		"a": {}, "h": {},
		"b": {"failure", "ExitError", "ExitError(3): exit status 3"},
		"t": {"failure", "TimeoutError", "TimeoutError(): timed out after 1s"},
		"n": {"skipped", "", "ExitError(3): needs b: failed: exit status 3"},
		"c": {"skipped", "", "CancelledError(): cancelled"},
		"k": {"error", "CancelledError", "CancelledError(): cancelled (killed by signal 9)"},
	} {
		c := cases[name]
		kinds := map[string]*parsedProblem{"failure": c.Failure, "error": c.Error, "skipped": c.Skipped}
		for kind, p := range kinds {
			if kind != w.kind && p != nil {
				t.Errorf("%s: unexpected <%s>", name, kind)
			}
		}
		if w.kind == "" {
			continue
		}
		p := kinds[w.kind]
		if p == nil {
			t.Errorf("%s: no <%s>", name, w.kind)
			continue
		}
		if p.Type != w.typ || p.Message != w.message {
			t.Errorf("%s: <%s type=%q message=%q>, want type %q message %q", name, w.kind, p.Type, p.Message, w.typ, w.message)
		}
	}
	if f := cases["b"].Failure; f == nil || !strings.Contains(f.Text, "b: failed: exit status 3 (after 2 attempts)") ||
		!strings.Contains(f.Text, "error: bad") || strings.Contains(f.Text, "\x1b") {
		t.Errorf("b's failure text: %+v", f)
	}
	if out := cases["a"].SystemOut; out == nil || *out != "a" {
		t.Errorf("a's system-out: %v", out)
	}
	if errText := cases["a"].SystemErr; errText == nil || *errText != "warning: <old> & \"deprecated\"\n" {
		t.Errorf("a's system-err: %v", errText)
	}
	if cases["t"].SystemOut != nil {
		t.Errorf("t wrote nothing, yet has a system-out")
	}
}

// checkJUnitSchema fails unless every element and attribute of the report
// is one junit-10.xsd allows, with its required attributes.
func checkJUnitSchema(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("the report is not well-formed XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		allowed, ok := junitSchema[se.Name.Local]
		if !ok {
			t.Errorf("element <%s> is not in the schema", se.Name.Local)
			continue
		}
		have := map[string]bool{}
		for _, a := range se.Attr {
			have[a.Name.Local] = true
			if _, ok := allowed[a.Name.Local]; !ok {
				t.Errorf("<%s %s=...>: attribute not in the schema", se.Name.Local, a.Name.Local)
			}
		}
		for a, required := range allowed {
			if required && !have[a] {
				t.Errorf("<%s> lacks its required attribute %s", se.Name.Local, a)
			}
		}
	}
}

func TestJUnitInvalidCharacters(t *testing.T) {
	rec := NewRecorder(RecordOptions{Mode: event.Gather, Title: "t", File: "-", KeepOutput: true})
	w := rec.Stderr("a")
	_, _ = w.Write([]byte("nul\x00 bell\x07 ]]> \xff\n"))
	rec.Started(started("a"))
	rec.Finished(failed("a", exitErr(1), ""))
	rec.Result(event.Result{Mode: event.Gather, ExitCode: 1})
	var b bytes.Buffer
	if err := WriteJUnit(&b, rec.Run()); err != nil {
		t.Fatal(err)
	}
	var doc parsedSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("control characters broke the report: %v\n%q", err, b.String())
	}
	c := doc.Suites[0].Cases[0]
	if c.Classname != "stdin" || c.SystemErr == nil || !strings.Contains(*c.SystemErr, "]]>") {
		t.Errorf("case %+v", c)
	}
}
