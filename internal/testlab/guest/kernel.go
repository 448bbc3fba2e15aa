package guest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A Kernel is a bootable kernel image with its module tree, as Debian's
// linux-image package installs them (/boot/vmlinuz-V, /lib/modules/V).
type Kernel struct {
	Version string
	Image   string // path of the vmlinuz
	Modules string // path of /lib/modules/Version
}

// FindKernel returns the newest kernel under root (normally "/") that has
// an image and the IPVS modules. The version sort is lexical, which is
// enough to pick one of Debian's installed images deterministically.
func FindKernel(root string) (Kernel, error) {
	images, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	sort.Sort(sort.Reverse(sort.StringSlice(images)))
	for _, img := range images {
		v := strings.TrimPrefix(filepath.Base(img), "vmlinuz-")
		mods := filepath.Join(root, "lib", "modules", v)
		if _, err := os.Stat(filepath.Join(mods, "kernel", "net", "netfilter", "ipvs", "ip_vs.ko")); err == nil {
			return Kernel{Version: v, Image: img, Modules: mods}, nil
		}
	}
	return Kernel{}, errors.New("no kernel image with IPVS modules under " + filepath.Join(root, "boot") +
		" (install linux-image-amd64; scripts/install-deps does)")
}

// ModuleOrder returns the module files (paths relative to the module tree)
// to insmod, in an order that satisfies every dependency in modules.dep, for
// the named modules. insmod does not follow soft dependencies; the one that
// matters here, libcrc32c's on a crc32c implementation, is added by hand:
// crc32c_generic loads before libcrc32c.
func (k Kernel) ModuleOrder(names ...string) ([]string, error) {
	deps, err := readModulesDep(filepath.Join(k.Modules, "modules.dep"))
	if err != nil {
		return nil, err
	}
	return moduleOrder(deps, names)
}

// modulesDep maps a module's name to its file and its dependencies' names.
type modulesDep map[string]struct {
	file string
	deps []string
}

func moduleName(file string) string {
	n := filepath.Base(file)
	n = n[:strings.Index(n, ".ko")]
	return strings.ReplaceAll(n, "-", "_")
}

func readModulesDep(path string) (modulesDep, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading module dependencies: %w", err)
	}
	defer f.Close()
	m := modulesDep{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		file, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.Contains(file, ".ko") {
			continue
		}
		var ds []string
		for _, d := range strings.Fields(rest) {
			ds = append(ds, moduleName(d))
		}
		m[moduleName(file)] = struct {
			file string
			deps []string
		}{file, ds}
	}
	return m, sc.Err()
}

func moduleOrder(deps modulesDep, names []string) ([]string, error) {
	var order []string
	seen := map[string]bool{}
	var visit func(n string, chain []string) error
	visit = func(n string, chain []string) error {
		n = strings.ReplaceAll(n, "-", "_")
		if seen[n] {
			return nil
		}
		d, ok := deps[n]
		if !ok {
			return fmt.Errorf("module %s (wanted by %s) is not in modules.dep", n, strings.Join(chain, " -> "))
		}
		seen[n] = true
		if n == "libcrc32c" {
			if err := visit("crc32c_generic", append(chain, n)); err != nil {
				return err
			}
		}
		for _, dep := range d.deps {
			if err := visit(dep, append(chain, n)); err != nil {
				return err
			}
		}
		order = append(order, d.file)
		return nil
	}
	for _, n := range names {
		if err := visit(n, []string{"request"}); err != nil {
			return nil, err
		}
	}
	return order, nil
}
