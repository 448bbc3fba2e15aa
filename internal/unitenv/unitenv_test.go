package unitenv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The repository's unit sets the runtime defaults the README names.
func TestReadUnit(t *testing.T) {
	env, err := Read(filepath.Join("..", "..", Path))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GOMAXPROCS=1", "GOGC=25", "GODEBUG=memprofilerate=0,disablethp=1"} {
		if !slices.Contains(env, want) {
			t.Errorf("the unit's environment %q lacks %s", env, want)
		}
	}
}

func TestRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "u.service")
	os.WriteFile(p, []byte("[Service]\n# Environment=NO=1\nEnvironment=A=1 B=x=y\n  Environment=C=\nExecStart=/bin/true\n"), 0o600)
	env, err := Read(p)
	if err != nil || !slices.Equal(env, []string{"A=1", "B=x=y", "C="}) {
		t.Errorf("Read = %q, %v", env, err)
	}
	os.WriteFile(p, []byte("Environment=\"A=1 2\"\n"), 0o600)
	if _, err := Read(p); err == nil {
		t.Error("a quoted assignment was read as plain")
	}
}
