//go:build !unix

package jobfile

import "os"

// openFlags opens the job file for reading.
const openFlags = os.O_RDONLY
