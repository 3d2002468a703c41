package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// configError rewrites a YAML decoding error of the -config file at path in
// the words of the file rather than of Go: an unknown key is named with the
// keys that are valid where it stands ("field titel not found in type
// feedgen.fileConfig" becomes "line 1: unknown key "titel"; valid keys:
// base_url, categories, …"), and a value of the wrong kind names the kind
// expected. The valid keys come from the yaml tags, so they cannot drift
// from what the decoder accepts.
func configError(path string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		msgs = append(msgs, explainYAML(e))
	}
	return fmt.Errorf("%s: %s", path, strings.Join(msgs, "; "))
}

var (
	reGoType       = regexp.MustCompile(` (into|in type) \S+`)
	reUnknownField = regexp.MustCompile(`^(line \d+): field (.+) not found in type (\S+)$`)
	reWrongKind    = regexp.MustCompile("^(line \\d+): cannot unmarshal !!(\\w+)(?: (.*))? into (\\S+)$")
)

// The Go type names the decoder reports, taken from the types themselves
// so that they follow a rename of the package or a type.
var (
	fileType     = reflect.TypeFor[fileConfig]().String()
	categoryType = reflect.TypeFor[CategoryConfig]().String()
)

// keysOf lists the yaml keys of the config structs, by the Go type name the
// decoder reports.
var keysOf = map[string][]string{
	fileType:     yamlKeys(reflect.TypeFor[fileConfig]()),
	categoryType: yamlKeys(reflect.TypeFor[CategoryConfig]()),
}

// placeOf says where in the file the keys of a struct go.
var placeOf = map[string]string{
	fileType:     "",
	categoryType: " in a category",
}

// kindOf names, for people, what a Go type accepts.
var kindOf = map[string]string{
	"int":                        "a whole number",
	"*int":                       "a whole number",
	"string":                     "text",
	"map[string]" + categoryType: "a map of category slugs to their settings (title, description, link)",
	categoryType:                 "a category's settings (title, description, link)",
	fileType:                     "settings (key: value lines)",
}

func explainYAML(msg string) string {
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		if keys, ok := keysOf[m[3]]; ok {
			return fmt.Sprintf("%s: unknown key %q%s; valid keys: %s", m[1], m[2], placeOf[m[3]], strings.Join(keys, ", "))
		}
		return fmt.Sprintf("%s: unknown key %q", m[1], m[2])
	}
	if m := reWrongKind.FindStringSubmatch(msg); m != nil {
		want, ok := kindOf[m[4]]
		if !ok {
			want = "another kind of value"
		}
		got := strings.Trim(m[3], "`")
		return fmt.Sprintf("%s: %s is not %s", m[1], quoteValue(got, m[2]), want)
	}
	// Anything else: at least never show a Go type name.
	return reGoType.ReplaceAllString(msg, "")
}

// quoteValue shows a value the decoder reported, or its YAML kind when the
// decoder did not show it (a map or a list).
func quoteValue(v, tag string) string {
	switch tag {
	case "map":
		return "a map"
	case "seq":
		return "a list"
	}
	return fmt.Sprintf("%q", v)
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	return keys
}
