package guest

import (
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// An archive is the content of an initramfs: regular files, directories,
// symbolic links and device nodes by path. It is written as a newc cpio,
// the format the kernel unpacks into its rootfs.
type archive struct {
	entries map[string]entry
}

type entry struct {
	mode         uint32 // type bits and permissions, as in stat(2)
	data         []byte // file content or link target
	major, minor uint32 // device number for nodes
}

const (
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFLNK = 0o120000
	sIFCHR = 0o020000
)

func newArchive() *archive { return &archive{entries: map[string]entry{}} }

// dir adds a directory and its parents.
func (a *archive) dir(p string) {
	p = strings.Trim(p, "/")
	for p != "" && p != "." {
		if _, ok := a.entries[p]; !ok {
			a.entries[p] = entry{mode: sIFDIR | 0o755}
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
}

func (a *archive) parent(p string) {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		a.dir(p[:i])
	}
}

// file adds a regular file with the given permissions.
func (a *archive) file(p string, perm fs.FileMode, data []byte) {
	p = strings.Trim(p, "/")
	a.parent(p)
	a.entries[p] = entry{mode: sIFREG | uint32(perm.Perm()), data: data}
}

// symlink adds a symbolic link p pointing at target.
func (a *archive) symlink(p, target string) {
	p = strings.Trim(p, "/")
	a.parent(p)
	a.entries[p] = entry{mode: sIFLNK | 0o777, data: []byte(target)}
}

// chardev adds a character device node.
func (a *archive) chardev(p string, perm fs.FileMode, major, minor uint32) {
	p = strings.Trim(p, "/")
	a.parent(p)
	a.entries[p] = entry{mode: sIFCHR | uint32(perm.Perm()), major: major, minor: minor}
}

// has reports whether p is in the archive.
func (a *archive) has(p string) bool {
	_, ok := a.entries[strings.Trim(p, "/")]
	return ok
}

// writeTo writes the archive as newc cpio, parents before children, ending
// with the TRAILER!!! record.
func (a *archive) writeTo(w io.Writer) error {
	names := make([]string, 0, len(a.entries))
	for n := range a.entries {
		names = append(names, n)
	}
	sort.Strings(names) // a parent sorts before its children
	ino := uint32(1)
	for _, n := range names {
		e := a.entries[n]
		if err := writeRecord(w, ino, n, e); err != nil {
			return err
		}
		ino++
	}
	return writeRecord(w, 0, "TRAILER!!!", entry{})
}

func writeRecord(w io.Writer, ino uint32, name string, e entry) error {
	nlink := uint32(1)
	if e.mode&0o170000 == sIFDIR {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, e.mode, 0, 0, nlink, 0, len(e.data), 0, 0, e.major, e.minor, len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+8+len(e.data))
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = pad4(buf)
	buf = append(buf, e.data...)
	buf = pad4(buf)
	_, err := w.Write(buf)
	return err
}

// pad4 pads b with NULs to a multiple of four bytes. Every record starts
// aligned, so padding the record's own bytes keeps the stream aligned.
func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
