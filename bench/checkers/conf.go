package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// printConf writes side's configuration for the first size of sizes.
func printConf(w io.Writer, side, sizes string) error {
	first, _, _ := strings.Cut(sizes, ",")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || n <= 0 || n%10 != 0 {
		return fmt.Errorf("size %q: want a positive multiple of 10", first)
	}
	switch side {
	case "hadirector":
		_, err = io.WriteString(w, hadirectorConf(n))
	case "keepalived":
		_, err = io.WriteString(w, keepalivedConf(n))
	default:
		err = fmt.Errorf("-conf %q: want hadirector or keepalived", side)
	}
	return err
}
