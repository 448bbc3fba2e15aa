package conf

import (
	"reflect"
	"strings"
)

// detach gives every string that v reaches memory of its own. The TOML
// decoder returns substrings of the file, so one name kept for the
// daemon's life would keep the whole file: 136 KB at 1000 instances.
func detach(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(strings.Clone(v.String()))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			detach(v.Elem())
		}
	case reflect.Struct:
		for k := range v.NumField() {
			detach(v.Field(k))
		}
	case reflect.Slice, reflect.Array:
		for k := range v.Len() {
			detach(v.Index(k))
		}
	case reflect.Map:
		if !v.CanSet() || v.IsNil() {
			return
		}
		// Keys and values are not addressable: copy them out, detach the
		// copies, and put them back in a new map.
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			key := reflect.New(v.Type().Key()).Elem()
			key.Set(it.Key())
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(it.Value())
			detach(key)
			detach(val)
			m.SetMapIndex(key, val)
		}
		v.Set(m)
	}
}
