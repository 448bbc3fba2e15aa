package main

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// sections groups an executable's loaded ELF sections under the names the
// report uses; any other section counts as "other".
var sections = map[string]string{
	".text": "text", ".rodata": "rodata", ".gopclntab": "pclntab",
	".data": "data", ".noptrdata": "data", ".bss": "data", ".noptrbss": "data",
	".data.rel.ro": "data", ".got": "data", ".got.plt": "data", ".init_array": "data",
}

// pageBreakdown writes, for process pid, one line: its RssAnon, the
// binary's share (RssFile+RssShmem), the anonymous memory in transparent
// huge pages, its threads, and the resident pages of its executable's
// mappings by section, from /proc/PID/pagemap (present pages) against the
// executable's ELF section headers.
func pageBreakdown(w io.Writer, name string, pid int) error {
	proc := "/proc/" + strconv.Itoa(pid)
	status, err := readFields(proc+"/status", "RssAnon", "RssFile", "RssShmem", "Threads")
	if err != nil {
		return err
	}
	rollup, err := readFields(proc+"/smaps_rollup", "AnonHugePages")
	if err != nil {
		return err
	}
	bySec, err := exePages(proc)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "RSS %s anon_kb=%d bin_kb=%d anon_huge_kb=%d threads=%d", name, status["RssAnon"],
		status["RssFile"]+status["RssShmem"], rollup["AnonHugePages"], status["Threads"])
	for _, s := range []string{"text", "rodata", "pclntab", "data", "other"} {
		fmt.Fprintf(w, " %s_kb=%d", s, bySec[s])
	}
	fmt.Fprintln(w)
	return nil
}

// readFields reads "Key: N kB" (or "Key: N") lines of a /proc file.
func readFields(path string, keys ...string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if k == want {
				if fs := strings.Fields(v); len(fs) > 0 {
					m[k], _ = strconv.ParseInt(fs[0], 10, 64)
				}
			}
		}
	}
	return m, sc.Err()
}

// exePages counts the present pages (kB) of the mappings of proc's
// executable by section group. A page two sections share counts for the
// first; a page of a mapping outside every section (the ELF header) counts
// as other.
func exePages(proc string) (map[string]int64, error) {
	exe, err := os.Readlink(proc + "/exe")
	if err != nil {
		return nil, err
	}
	ef, err := elf.Open(proc + "/exe")
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	type sec struct {
		group      string
		start, end uint64
	}
	var secs []sec
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		g := sections[s.Name]
		if g == "" {
			g = "other"
		}
		secs = append(secs, sec{g, s.Addr, s.Addr + s.Size})
	}
	maps, err := os.ReadFile(proc + "/maps")
	if err != nil {
		return nil, err
	}
	pm, err := os.Open(proc + "/pagemap")
	if err != nil {
		return nil, err
	}
	defer pm.Close()
	out := map[string]int64{}
	var base uint64 // a position-independent executable's load address
	first := true
	for _, l := range strings.Split(string(maps), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || f[5] != exe {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		if first && ef.Type == elf.ET_DYN {
			base = start
		}
		first = false
		n := (end - start) / 4096
		buf := make([]byte, n*8)
		if _, err := pm.ReadAt(buf, int64(start/4096*8)); err != nil {
			return nil, fmt.Errorf("%s/pagemap: %w", proc, err)
		}
		for i := range n {
			if binary.LittleEndian.Uint64(buf[i*8:])&(1<<63) == 0 { // not present
				continue
			}
			a := start + i*4096 - base
			g := "other"
			for _, s := range secs {
				if a < s.end && a+4096 > s.start {
					g = s.group
					break
				}
			}
			out[g] += 4
		}
	}
	return out, nil
}
