package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/aiorun/aiorun/internal/app"
)

// Version is set at build time with -ldflags "-X github.com/aiorun/aiorun/cmd.Version=v1.2.3";
// otherwise the module version from the build info is used.
var Version = ""

func newVersionCmd(s app.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print aiorun's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(s.Out, "aiorun %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return runError(err)
		},
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 && (v == "" || v == "(devel)") {
			v = "devel-" + s.Value[:12]
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}
