package conf

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"
	"weak"
)

// inText reports the strings under v whose bytes lie in text.
func inText(v reflect.Value, text string, path string, found *[]string) {
	lo := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	hi := lo + uintptr(len(text))
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); s != "" {
			if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
				*found = append(*found, path+" = "+s)
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			inText(v.Elem(), text, path, found)
		}
	case reflect.Struct:
		for k := range v.NumField() {
			inText(v.Field(k), text, path+"."+v.Type().Field(k).Name, found)
		}
	case reflect.Slice, reflect.Array:
		for k := range v.Len() {
			inText(v.Index(k), text, path+"[]", found)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			inText(it.Key(), text, path+"{key}", found)
			inText(it.Value(), text, path+"{}", found)
		}
	}
}

// A parsed configuration keeps none of the decoder's copy of the file
// alive: a string the daemon drops is freed, not held by its neighbours.
// (The decoder returns substrings of its copy; without detach the other
// strings would keep that copy, and so the dropped one, alive.)
func TestParsedKeepsNoText(t *testing.T) {
	const long = "an-instance-whose-name-is-longer-than-the-tiny-allocator"
	c, err := Parse("t.toml", []byte(strings.Replace(base, `name = "a"`, `name = "`+long+`"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	w := weak.Make(unsafe.StringData(c.Instances[0].Name))
	c.Instances[0].Name = ""
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("a dropped name is still alive: the configuration keeps the decoder's text")
	}
	runtime.KeepAlive(c)
}

// detach reaches strings behind pointers, in slices, arrays and maps.
func TestDetach(t *testing.T) {
	text := "alpha beta gamma delta"
	type inner struct{ S string }
	type outer struct {
		A   string
		P   *inner
		L   []inner
		R   [1]string
		M   map[string]inner
		Any any
	}
	o := &outer{A: text[:5], P: &inner{text[6:10]}, L: []inner{{text[11:16]}}, R: [1]string{text[17:]}, M: map[string]inner{text[:5]: {text[6:10]}}, Any: &inner{text[11:16]}}
	var found []string
	inText(reflect.ValueOf(o), text, "o", &found)
	if len(found) != 7 {
		t.Fatalf("before detach, %d strings point into the text, want 7: %v", len(found), found)
	}
	detach(reflect.ValueOf(o))
	found = nil
	inText(reflect.ValueOf(o), text, "o", &found)
	if len(found) != 0 {
		t.Fatalf("after detach: %v", found)
	}
	if o.A != "alpha" || o.P.S != "beta" || o.L[0].S != "gamma" || o.R[0] != "delta" || o.M["alpha"].S != "beta" || o.Any.(*inner).S != "gamma" {
		t.Fatalf("detach changed values: %+v", o)
	}
}
