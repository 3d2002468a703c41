// Package cli gives feedgen's commands one way to answer on the command
// line: -h is a question, answered on stdout with exit status 0; a mistake
// in the flags is one line on stderr that names the flag, suggests the
// closest valid one and points at -h, with exit status 2. The flag package
// alone prints its error above the full list of flags, which buries the one
// line that matters under thirty others.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Exit statuses shared by every command: usage errors are told apart from
// failures so that scripts can tell "fix the command line" from "fix the
// input or the machine".
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Command is a subcommand's flags and the text its -h shows above them.
type Command struct {
	// Flags is the command's flag set, named as the user types the
	// command ("feedgen build"); Parse takes over its output and usage.
	Flags *flag.FlagSet
	// Synopsis is the usage line without "Usage: " ("feedgen build [flags]").
	Synopsis string
	// About says what the command does, in a few lines; it may be empty.
	About string
}

// Parse parses args. It returns ok when the command should go on; else
// the exit status to end with: 0 after printing the usage for -h, -help or
// --help, 2 after printing one line on stderr for a flag mistake.
func (c *Command) Parse(args []string, stdout, stderr io.Writer) (status int, ok bool) {
	fs := c.Flags
	fs.SetOutput(io.Discard) // the flag package's own message and list: replaced below
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case err == nil:
		return ExitOK, true
	case errors.Is(err, flag.ErrHelp):
		c.PrintUsage(stdout)
		return ExitOK, false
	}
	fmt.Fprintln(stderr, c.Explain(err))
	return ExitUsage, false
}

// PrintUsage writes the synopsis, the description and every flag with its
// default to w.
func (c *Command) PrintUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n", c.Synopsis)
	if c.About != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.About, "\n"))
	}
	n := 0
	c.Flags.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	c.Flags.SetOutput(w)
	c.Flags.PrintDefaults()
	c.Flags.SetOutput(io.Discard)
}

// Usagef formats a usage error of this command as the one line Parse
// prints, with the pointer to -h: for mistakes found after parsing (an
// unexpected argument, flags that do not go together).
func (c *Command) Usagef(format string, a ...any) string {
	return fmt.Sprintf("%s: %s; see %q", c.Flags.Name(), fmt.Sprintf(format, a...), c.Flags.Name()+" -h")
}

// The flag package's error messages, which are its only report of what
// went wrong: matched to restate them in the user's terms. A message that
// matches none is shown as it is.
var (
	reUnknown  = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
	reNoValue  = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
	reBadValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-([^:]*): (.*)$`)
	reSyntax   = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// Explain restates an error of Flags.Parse as one line: what is wrong, in
// the user's words, and where the list of flags is.
func (c *Command) Explain(err error) string {
	msg := err.Error()
	if m := reUnknown.FindStringSubmatch(msg); m != nil {
		what := "unknown flag -" + m[1]
		if s := Closest(m[1], c.flagNames()); s != "" {
			what += " (did you mean -" + s + "?)"
		}
		return c.Usagef("%s", what)
	}
	if m := reNoValue.FindStringSubmatch(msg); m != nil {
		return c.Usagef("-%s needs a value", m[1])
	}
	if m := reBadValue.FindStringSubmatch(msg); m != nil {
		return c.Usagef("-%s %q: %s", m[2], m[1], c.want(m[2], m[3]))
	}
	if m := reSyntax.FindStringSubmatch(msg); m != nil {
		return c.Usagef("%q is not a flag (flags are -name or -name=value)", m[1])
	}
	return c.Usagef("%s", msg)
}

// want says what a flag takes, from the type of its value, for a value the
// flag package refused with reason.
func (c *Command) want(name, reason string) string {
	if reason == "value out of range" {
		return "out of range"
	}
	f := c.Flags.Lookup(name)
	if f == nil {
		return reason
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return reason
	}
	switch g.Get().(type) {
	case bool:
		return "want true or false"
	case int, int64, uint, uint64:
		return "want a whole number"
	case float64:
		return "want a number"
	case time.Duration:
		return "want a duration such as 50ms, 2s or 1m"
	}
	return reason // a flag.Value of its own gives its own reason
}

func (c *Command) flagNames() []string {
	var names []string
	c.Flags.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}
