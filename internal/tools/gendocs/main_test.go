package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The generator writes a man page and a markdown page per command, with
// the output flags documented.
func TestGenerate(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"man/aiorun.1", "man/aiorun-gather.1", "man/aiorun-completion-bash.1",
		"cli/aiorun.md", "cli/aiorun_gather.md", "cli/aiorun_as-completed.md", "cli/aiorun_run.md"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	man, err := os.ReadFile(filepath.Join(dir, "man", "aiorun-gather.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "AIORUN" "1" "Jan 2026" "aiorun" "aiorun manual"`, `\fB--junit\fP`, `\fB--log-dir\fP`, `\fB--dry-run\fP`} {
		if !strings.Contains(string(man), want) {
			t.Errorf("aiorun-gather.1 lacks %q", want)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "cli", "aiorun_gather.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "--timeline string") || strings.Contains(string(md), "Auto generated") {
		t.Errorf("aiorun_gather.md:\n%s", md)
	}
}
