// Command feedgen publishes a directory of Jekyll-style articles as RSS 2.0,
// Atom 1.0 and JSON Feed 1.1 feeds: once to disk (build), or as a daemon
// that follows the directory and serves the feeds over HTTP (serve).
//
// This package is the command line alone: flags, the wiring of the
// packages that do the work, and signals.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	_ "time/tzdata" // time zones in -config work on machines without a zoneinfo database

	"feedgen/internal/cli"
)

const usage = `feedgen publishes a directory of articles as RSS, Atom and JSON feeds.

Usage:
  feedgen serve [flags]    serve the feeds over HTTP and follow the directory
  feedgen build [flags]    write every feed under -out once (for CI)
  feedgen version          print the version, commit and build time
  feedgen help [command]   print this, or a command's flags

In a checkout, "feedgen serve" serves the sample articles in seeds/ at
http://127.0.0.1:8080/. "feedgen COMMAND -h" lists a command's flags.

Exit status: 0 success, 1 failure, 2 a mistake on the command line. Under
"go run" every failure exits 1: install the binary (go install ./cmd/feedgen)
where the status matters.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// command is a subcommand: run gets the arguments after its name and
// returns the exit status.
type command struct {
	name string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{{"serve", runServe}, {"build", runBuild}, {"version", runVersion}, {"help", runHelp}}
}

// run is main without the exit, so that tests can call it; ctx ends a
// daemon as a signal would. It returns the process exit status: 0 success,
// 1 failure (or invalid articles), 2 usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return cli.ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return cli.ExitOK
	case "-version", "--version":
		name = "version"
	}
	if c, ok := lookup(name); ok {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, unknownCommand(name))
	return cli.ExitUsage
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// unknownCommand is the one line for a first argument that is no command:
// the closest command when one is, and where the list is.
func unknownCommand(name string) string {
	if strings.HasPrefix(name, "-") {
		return fmt.Sprintf(`feedgen: %s before the command: flags go after it, as in "feedgen serve %s …"; see "feedgen -h"`, name, name)
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	what := fmt.Sprintf("unknown command %q", name)
	if s := cli.Closest(name, names); s != "" {
		what += " (did you mean " + s + "?)"
	}
	return "feedgen: " + what + `; see "feedgen -h"`
}

// runHelp answers "feedgen help" with the list of commands and "feedgen
// help COMMAND" as "feedgen COMMAND -h" does.
func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli.Command{Flags: newFlagSet("feedgen help"), Synopsis: "feedgen help [command]"}
	if status, ok := c.Parse(args, stdout, stderr); !ok {
		return status
	}
	switch c.Flags.NArg() {
	case 0:
		fmt.Fprint(stdout, usage)
		return cli.ExitOK
	case 1:
		if cmd, ok := lookup(c.Flags.Arg(0)); ok {
			return cmd.run(ctx, []string{"-h"}, stdout, stderr)
		}
		fmt.Fprintln(stderr, unknownCommand(c.Flags.Arg(0)))
		return cli.ExitUsage
	}
	fmt.Fprintln(stderr, c.Usagef("one command at most, got %q", c.Flags.Args()))
	return cli.ExitUsage
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli.Command{Flags: newFlagSet("feedgen version"), Synopsis: "feedgen version",
		About: "Prints the module version, the commit and its time, and the Go release the binary was built from."}
	if status, ok := c.Parse(args, stdout, stderr); !ok {
		return status
	}
	if c.Flags.NArg() > 0 {
		fmt.Fprintln(stderr, c.Usagef("unexpected argument %q", c.Flags.Arg(0)))
		return cli.ExitUsage
	}
	fmt.Fprint(stdout, versionText())
	return cli.ExitOK
}
