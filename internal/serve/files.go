package serve

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// readRegularFile reads a regular file of at most max bytes. A FIFO or a
// device would block or never end, so only a regular file is read.
func readRegularFile(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("it is not a regular file (%s)", st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// unwrapPathError drops the path an *os.PathError repeats: the callers
// name the file themselves.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
