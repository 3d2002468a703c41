package cli

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

var serveFlags = []string{"addr", "archive", "base-url", "cache-control", "config", "debounce", "hub", "limit",
	"log-format", "max-article-size", "max-delay", "metrics-addr", "out", "poll", "src", "state", "websub", "websub-allow-private"}

func TestClosest(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, want string }{
		{"srcc", "src"},
		{"sr", "src"},
		{"SRC", "src"},
		{"base_url", "base-url"},
		{"baseurl", "base-url"},
		{"base", "base-url"},
		{"srcdir", "src"},
		{"adr", "addr"},
		{"adrr", "addr"}, // a transposition is one edit
		{"metricsaddr", "metrics-addr"},
		{"debonce", "debounce"},
		{"lmiit", "limit"},
		{"max", ""}, // -max-delay or -max-article-size: no guess
		{"x", ""},
		{"o", ""}, // one letter is no evidence
		{"verbose", ""},
		{"port", ""}, // "post"-like names are not near any flag
		{"output", "out"},
	} {
		if got := Closest(tt.name, serveFlags); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct{ name, want string }{
		{"biuld", "build"}, {"bulid", "build"}, {"srve", "serve"}, {"server", "serve"}, {"ver", "version"},
		{"versoin", "version"}, {"run", ""}, {"start", ""}, {"b", ""},
	} {
		if got := Closest(tt.name, []string{"build", "serve", "version", "help"}); got != tt.want {
			t.Errorf("command Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"src", "src", 0}, {"src", "scr", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}, {"财经", "财经新闻", 2}} {
		if got := distance(tt.a, tt.b); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
		if got := distance(tt.b, tt.a); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.d)
		}
	}
}

type list []string

func (l *list) String() string { return strings.Join(*l, ",") }
func (l *list) Set(v string) error {
	if v == "" {
		return errEmpty
	}
	*l = append(*l, v)
	return nil
}

var errEmpty = errorString("empty hub URL")

type errorString string

func (e errorString) Error() string { return string(e) }

func testCommand() *Command {
	fs := flag.NewFlagSet("feedgen serve", flag.ContinueOnError)
	fs.String("src", "seeds", "source `directory`")
	fs.String("addr", "127.0.0.1:8080", "listen `address`")
	fs.Int("limit", 50, "items per feed")
	fs.Int64("max-article-size", 10, "largest article")
	fs.Bool("archive", false, "archive")
	fs.Duration("debounce", 50*time.Millisecond, "quiet window")
	fs.Float64("ratio", 1, "a ratio")
	var hubs list
	fs.Var(&hubs, "hub", "hub `URL`")
	return &Command{Flags: fs, Synopsis: "feedgen serve [flags]", About: "Serves the feeds."}
}

// TestParse: a mistake is one line on stderr naming the flag, a suggestion
// when one is close, and the pointer to -h, exit 2; -h is usage on stdout,
// exit 0; good flags go on.
func TestParse(t *testing.T) {
	t.Parallel()
	const help = `; see "feedgen serve -h"`
	for _, tt := range []struct {
		args   []string
		status int
		ok     bool
		stderr string // the whole of it, one line
	}{
		{[]string{"-src", "x", "-limit", "3"}, 0, true, ""},
		{[]string{"-srcc", "x"}, 2, false, "feedgen serve: unknown flag -srcc (did you mean -src?)" + help},
		{[]string{"--srcc=x"}, 2, false, "feedgen serve: unknown flag -srcc (did you mean -src?)" + help},
		{[]string{"-verbose"}, 2, false, "feedgen serve: unknown flag -verbose" + help},
		{[]string{"-src"}, 2, false, "feedgen serve: -src needs a value" + help},
		{[]string{"-limit", "ten"}, 2, false, `feedgen serve: -limit "ten": want a whole number` + help},
		{[]string{"-limit", "99999999999999999999"}, 2, false, `feedgen serve: -limit "99999999999999999999": out of range` + help},
		{[]string{"-max-article-size", "1MB"}, 2, false, `feedgen serve: -max-article-size "1MB": want a whole number` + help},
		{[]string{"-debounce", "50"}, 2, false, `feedgen serve: -debounce "50": want a duration such as 50ms, 2s or 1m` + help},
		{[]string{"-archive=yes"}, 2, false, `feedgen serve: -archive "yes": want true or false` + help},
		{[]string{"-ratio", "x"}, 2, false, `feedgen serve: -ratio "x": want a number` + help},
		{[]string{"-hub", ""}, 2, false, `feedgen serve: -hub "": empty hub URL` + help},
		{[]string{"---src"}, 2, false, `feedgen serve: "---src" is not a flag (flags are -name or -name=value)` + help},
	} {
		var out, errb bytes.Buffer
		status, ok := testCommand().Parse(tt.args, &out, &errb)
		if status != tt.status || ok != tt.ok {
			t.Errorf("%q: status %d ok %v, want %d %v", tt.args, status, ok, tt.status, tt.ok)
		}
		want := tt.stderr
		if want != "" {
			want += "\n"
		}
		if errb.String() != want {
			t.Errorf("%q: stderr\n%q\nwant\n%q", tt.args, errb.String(), want)
		}
		if out.Len() != 0 {
			t.Errorf("%q: stdout %q, want nothing", tt.args, out.String())
		}
	}
}

func TestParseHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"--h"}, {"-src", "x", "-h"}} {
		var out, errb bytes.Buffer
		status, ok := testCommand().Parse(args, &out, &errb)
		if status != 0 || ok || errb.Len() != 0 {
			t.Errorf("%q: status %d ok %v stderr %q; want 0, stop, nothing on stderr", args, status, ok, errb.String())
		}
		for _, want := range []string{"Usage: feedgen serve [flags]\n\nServes the feeds.\n\nFlags:\n", "  -src directory\n", `(default "seeds")`, "-debounce duration"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%q: usage lacks %q:\n%s", args, want, out.String())
			}
		}
	}
	// A command without flags has no "Flags:" heading.
	c := &Command{Flags: flag.NewFlagSet("feedgen version", flag.ContinueOnError), Synopsis: "feedgen version"}
	var out bytes.Buffer
	if status, ok := c.Parse([]string{"-h"}, &out, &out); status != 0 || ok || out.String() != "Usage: feedgen version\n" {
		t.Errorf("version -h: %d %v %q", status, ok, out.String())
	}
}
