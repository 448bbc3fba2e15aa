package bgp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Program is the speaker program's name.
const Program = "hadirector-bgp"

// PackagePath is where the Debian package installs the speaker program:
// a program the director runs, not one for users' PATH.
const PackagePath = "/usr/lib/hadirector/" + Program

// Locate finds the speaker program: the path given (the command line's),
// else hadirector-bgp next to the running binary exe (a build's output
// directory), else ../lib/hadirector/hadirector-bgp from it (an install
// under /usr or /usr/local), else PackagePath. The error names every
// place tried.
func Locate(given, exe string) (string, error) {
	if given != "" {
		if err := executable(given); err != nil {
			return "", fmt.Errorf("the BGP speaker program: %w", err)
		}
		return given, nil
	}
	var tried []string
	dir := filepath.Dir(exe)
	for _, p := range []string{filepath.Join(dir, Program), filepath.Join(dir, "..", "lib", "hadirector", Program), PackagePath} {
		p = filepath.Clean(p)
		if err := executable(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("the BGP speaker program %s is at none of %s: install it, or give its path with -bgp-speaker",
		Program, strings.Join(tried, ", "))
}

// executable checks that path is a regular file someone may execute.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return errors.New(path + " is not an executable file")
	}
	return nil
}
