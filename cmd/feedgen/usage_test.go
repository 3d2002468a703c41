package main

import (
	"strings"
	"testing"
)

// TestMistakesAreOneLine: a wrong flag or command is one line on stderr
// that names it, suggests the closest valid one when one is close, and
// points at -h, with exit 2 and nothing on stdout: not the flag package's
// error above the whole list of flags.
func TestMistakesAreOneLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		line string // the whole of stderr
	}{
		{[]string{"build", "-srcc", "seeds"}, `feedgen build: unknown flag -srcc (did you mean -src?); see "feedgen build -h"`},
		{[]string{"build", "--sr=seeds"}, `feedgen build: unknown flag -sr (did you mean -src?); see "feedgen build -h"`},
		{[]string{"build", "-allow_invalid"}, `feedgen build: unknown flag -allow_invalid (did you mean -allow-invalid?); see "feedgen build -h"`},
		{[]string{"build", "-base"}, `feedgen build: unknown flag -base (did you mean -base-url?); see "feedgen build -h"`},
		{[]string{"build", "-verbose"}, `feedgen build: unknown flag -verbose; see "feedgen build -h"`},
		{[]string{"build", "-addr", ":8080"}, `feedgen build: unknown flag -addr; see "feedgen build -h"`},
		{[]string{"serve", "-adr", ":8080"}, `feedgen serve: unknown flag -adr (did you mean -addr?); see "feedgen serve -h"`},
		{[]string{"serve", "-metricsaddr", ":9090"}, `feedgen serve: unknown flag -metricsaddr (did you mean -metrics-addr?); see "feedgen serve -h"`},
		{[]string{"serve", "-max", "1s"}, `feedgen serve: unknown flag -max; see "feedgen serve -h"`}, // -max-delay or -max-article-size: no guess
		{[]string{"serve", "-debounce", "50"}, `feedgen serve: -debounce "50": want a duration such as 50ms, 2s or 1m; see "feedgen serve -h"`},
		{[]string{"serve", "-src"}, `feedgen serve: -src needs a value; see "feedgen serve -h"`},
		{[]string{"build", "-limit", "all"}, `feedgen build: -limit "all": want a whole number; see "feedgen build -h"`},
		{[]string{"build", "-hub", ""}, `feedgen build: -hub "": empty hub URL; see "feedgen build -h"`},
		{[]string{"build", "extra"}, `feedgen build: unexpected argument "extra"; see "feedgen build -h"`},
		{[]string{"serve", "extra"}, `feedgen serve: unexpected argument "extra"; see "feedgen serve -h"`},
		{[]string{"version", "-short"}, `feedgen version: unknown flag -short; see "feedgen version -h"`},
		{[]string{"version", "extra"}, `feedgen version: unexpected argument "extra"; see "feedgen version -h"`},
		{[]string{"help", "-x"}, `feedgen help: unknown flag -x; see "feedgen help -h"`},
		{[]string{"help", "build", "serve"}, `feedgen help: one command at most, got ["build" "serve"]; see "feedgen help -h"`},
		{[]string{"biuld"}, `feedgen: unknown command "biuld" (did you mean build?); see "feedgen -h"`},
		{[]string{"srve"}, `feedgen: unknown command "srve" (did you mean serve?); see "feedgen -h"`},
		{[]string{"server"}, `feedgen: unknown command "server" (did you mean serve?); see "feedgen -h"`},
		{[]string{"versoin"}, `feedgen: unknown command "versoin" (did you mean version?); see "feedgen -h"`},
		{[]string{"frobnicate"}, `feedgen: unknown command "frobnicate"; see "feedgen -h"`},
		{[]string{"help", "serv"}, `feedgen: unknown command "serv" (did you mean serve?); see "feedgen -h"`},
		{[]string{"-src", "seeds", "serve"}, `feedgen: -src before the command: flags go after it, as in "feedgen serve -src …"; see "feedgen -h"`},
	} {
		code, out, errs := runCmd(tt.args...)
		if code != 2 || out != "" || errs != tt.line+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%q\nwant exit 2, nothing on stdout and\n%q", tt.args, code, out, errs, tt.line+"\n")
		}
	}
}

// TestEveryCommandHelps: -h, -help and --help of every command, "feedgen
// help COMMAND" and the top-level forms print usage on stdout, nothing on
// stderr, exit 0.
func TestEveryCommandHelps(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string // the beginning of stdout
	}{
		{[]string{"-h"}, "feedgen publishes"},
		{[]string{"--help"}, "feedgen publishes"},
		{[]string{"help"}, "feedgen publishes"},
		{[]string{"help", "-h"}, "Usage: feedgen help [command]"},
		{[]string{"build", "-h"}, "Usage: feedgen build [flags]\n"},
		{[]string{"build", "-help"}, "Usage: feedgen build [flags]\n"},
		{[]string{"help", "build"}, "Usage: feedgen build [flags]\n"},
		{[]string{"serve", "--help"}, "Usage: feedgen serve [flags]\n"},
		{[]string{"serve", "-src", "x", "-h"}, "Usage: feedgen serve [flags]\n"},
		{[]string{"help", "serve"}, "Usage: feedgen serve [flags]\n"},
		{[]string{"version", "-h"}, "Usage: feedgen version\n"},
		{[]string{"help", "version"}, "Usage: feedgen version\n"},
	} {
		code, out, errs := runCmd(tt.args...)
		if code != 0 || errs != "" || !strings.HasPrefix(out, tt.want) {
			t.Errorf("%q: exit %d, stderr %q, stdout %.80q; want 0, nothing on stderr, stdout beginning %q", tt.args, code, errs, out, tt.want)
		}
	}
	// The usage of build and serve says where the configuration comes
	// from without -config, and what the exit statuses mean.
	for _, cmd := range []string{"build", "serve"} {
		_, out, _ := runCmd(cmd, "-h")
		for _, want := range []string{"feedgen.yaml in -src", "feedgen.yaml in the -src directory", `-config "" reads none`, "Exit status: 0"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s -h lacks %q", cmd, want)
			}
		}
	}
	if _, out, _ := runCmd("-h"); !strings.Contains(out, "go install ./cmd/feedgen") || !strings.Contains(out, `"feedgen serve" serves the sample articles`) {
		t.Errorf("feedgen -h does not explain go run's exit statuses or the first command:\n%s", out)
	}
}
