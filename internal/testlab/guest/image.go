package guest

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// An Image says what the guest's initramfs holds besides busybox.
type Image struct {
	Kernel   Kernel
	Modules  []string // module names; their dependencies are added
	Binaries []string // host executables, copied to the same path with the shared libraries ldd lists
	Files    []File
	Script   string // run by busybox sh after set-up; its exit status is the guest's
}

// A File is put in the guest at Path, from Host (a file or a directory,
// copied recursively) or, if Host is empty, from Data. With Libs, Host is
// a dynamic executable and the shared libraries ldd lists for it come
// along, as for Image.Binaries.
type File struct {
	Path string
	Host string
	Data []byte
	Mode fs.FileMode
	Libs bool
}

// ExitMarker precedes the script's exit status on the console.
const ExitMarker = "HADIRECTOR-GUEST-EXIT="

// initScript mounts the pseudo file systems, loads the modules in order,
// brings lo up, runs the script and powers off; with qemu's -no-reboot the
// power-off ends qemu.
const initScript = `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /run /tmp /var/run/netns
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/run/netns
while read m; do
	insmod "$m" || echo "HADIRECTOR-GUEST: insmod $m failed"
done < /etc/guest-modules
ip link set lo up
cd /work
sh /etc/guest.sh
echo "` + ExitMarker + `$?"
poweroff -f
`

// Build writes the initramfs as a newc cpio file.
func (img Image) Build(out string) error {
	a := newArchive()
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run", "tmp", "etc", "work", "var/run/netns"} {
		a.dir(d)
	}
	a.chardev("dev/console", 0o600, 5, 1)
	a.chardev("dev/null", 0o666, 1, 3)

	// busybox and its applets, which the real binaries below override.
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return fmt.Errorf("busybox: %w (install busybox-static)", err)
	}
	if err := a.binary("/bin/busybox", bb); err != nil {
		return err
	}
	list, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, p := range strings.Fields(string(list)) {
		if p != "bin/busybox" {
			a.symlink(p, "/bin/busybox")
		}
	}
	for _, b := range img.Binaries {
		// The real program wins over busybox's applet of the same name,
		// wherever busybox put it on PATH.
		for p, e := range a.entries {
			if path.Base(p) == filepath.Base(b) && e.mode&0o170000 == sIFLNK {
				delete(a.entries, p)
			}
		}
		if err := a.binary(b, b); err != nil {
			return err
		}
	}

	order, err := img.Kernel.ModuleOrder(img.Modules...)
	if err != nil {
		return err
	}
	// The modules keep their place in the tree, with a modules.dep of
	// their own, so that a modprobe in the guest finds them loaded.
	modDir := path.Join("lib/modules", img.Kernel.Version)
	var paths, dep []string
	for _, m := range order {
		data, err := os.ReadFile(filepath.Join(img.Kernel.Modules, m))
		if err != nil {
			return err
		}
		a.file(path.Join(modDir, m), 0o644, data)
		paths = append(paths, "/"+path.Join(modDir, m))
		dep = append(dep, m+":")
	}
	a.file("etc/guest-modules", 0o644, []byte(strings.Join(paths, "\n")+"\n"))
	a.file(path.Join(modDir, "modules.dep"), 0o644, []byte(strings.Join(dep, "\n")+"\n"))

	for _, f := range img.Files {
		if err := a.add(f); err != nil {
			return err
		}
	}
	// busybox's sh runs its own applet for a bare command name even when
	// PATH has the real program first; functions make the real one win.
	var prelude strings.Builder
	for _, b := range img.Binaries {
		fmt.Fprintf(&prelude, "%s() { %s \"$@\"; }\n", filepath.Base(b), b)
	}
	a.file("etc/guest.sh", 0o755, []byte(prelude.String()+img.Script))
	a.file("init", 0o755, []byte(initScript))

	var buf bytes.Buffer
	if err := a.writeTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// add copies a File, recursing into a host directory.
func (a *archive) add(f File) error {
	if f.Libs {
		return a.binary(f.Path, f.Host)
	}
	if f.Host == "" {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		a.file(f.Path, mode, f.Data)
		return nil
	}
	return filepath.WalkDir(f.Host, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.Host, p)
		dst := path.Join(f.Path, filepath.ToSlash(rel))
		if d.IsDir() {
			a.dir(dst)
			return nil
		}
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		a.file(dst, info.Mode(), data)
		return nil
	})
}

var lddPath = regexp.MustCompile(`(?:=>\s*)?(/\S+)\s+\(0x`)

// binary copies the host executable src to dst, and every shared library
// ldd names to the path ldd gives it (the loader included).
func (a *archive) binary(dst, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	a.file(dst, 0o755, data)
	out, err := exec.Command("ldd", src).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("not a dynamic executable")) {
			return nil // static
		}
		return fmt.Errorf("ldd %s: %v: %s", src, err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := lddPath.FindStringSubmatch(sc.Text())
		if m == nil || a.has(m[1]) {
			continue
		}
		lib, err := os.ReadFile(m[1]) // follows the symlink to the real file
		if err != nil {
			return fmt.Errorf("library of %s: %w", src, err)
		}
		a.file(m[1], 0o755, lib)
	}
	return sc.Err()
}
