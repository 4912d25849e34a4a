// Command aiorun runs the shell jobs of a YAML job file concurrently, with
// the semantics of Python's asyncio: run, gather and as_completed.
package main

import (
	"os"

	"github.com/aiorun/aiorun/cmd"
)

func main() { os.Exit(cmd.Main()) }
