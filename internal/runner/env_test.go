package runner

import (
	"slices"
	"testing"

	"github.com/aiorun/aiorun/internal/jobfile"
)

func TestBaseEnv(t *testing.T) {
	b := newBaseEnv(
		[]string{"A=1", "B=2", "A=3", "=C:=x"},
		[]jobfile.EnvVar{{Name: "B", Value: "file"}, {Name: "F", Value: "f"}, {Name: "F", Value: "g"}},
	)
	if want := []string{"A=3", "B=file", "=C:=x", "F=g"}; !slices.Equal(b.entries, want) {
		t.Errorf("base %q, want %q", b.entries, want)
	}
	if want := []string{"B=file", "F=g"}; !slices.Equal(b.file, want) {
		t.Errorf("file entries %q, want %q", b.file, want)
	}
	before := slices.Clone(b.entries)
	got := b.with([]string{"F=job", "N=1", "A=job", "N=2", "AB=3"})
	if want := []string{"A=job", "B=file", "=C:=x", "F=job", "N=2", "AB=3"}; !slices.Equal(got, want) {
		t.Errorf("with %q, want %q", got, want)
	}
	if !slices.Equal(b.entries, before) {
		t.Errorf("with changed the base: %q", b.entries)
	}
	long := make([]string, 0, 40)
	for i := range 40 {
		long = append(long, string(rune('a'+i%20))+"=v")
	}
	if got := dedupEnv(long); len(got) != 20 {
		t.Errorf("dedupEnv of 40 entries, 20 names: %d entries", len(got))
	}
}
