package config

import (
	"errors"
	"fmt"
	"net/url"
)

// CheckHubURL says why h cannot be a WebSub hub (nil if it can), in words
// the CLI puts after the flag or key that gave it.
func CheckHubURL(h string) error {
	u, err := url.Parse(h)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		return errors.New("want an absolute http or https URL")
	}
	return nil
}

// normalizeHubs checks that every hub is an absolute http or https URL and
// drops repeats, keeping the first position: the order is the one given,
// so the output does not depend on anything else.
func normalizeHubs(c *Config) error {
	seen := map[string]bool{}
	var out []string
	for _, h := range c.Hubs {
		if err := CheckHubURL(h); err != nil {
			return fmt.Errorf("hub %q: %w", h, err)
		}
		u, _ := url.Parse(h)
		if s := u.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	c.Hubs = out
	return nil
}
