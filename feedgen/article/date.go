package article

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Date layouts accepted in front matter, tried in order. Jekyll writes the
// first; the others are what people type by hand.
var zonedLayouts = []string{
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04 -0700",
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	time.RFC1123Z,
}

var localLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads a front matter date. A YAML or TOML timestamp arrives as
// time.Time; a Jekyll date ("2022-03-17 05:17:21 +0800") as a string.
func parseDate(v any, loc *time.Location) (time.Time, error) {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return time.Time{}, errors.New("empty")
		}
		var err error
		t, err = parseDateString(s, loc)
		if err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, fmt.Errorf("%v is not a date", v)
	}
	return t, checkYear(t)
}

// Years a publication date may have. Feed validators call a date before
// 1970 implausible (it is nearly always a zero or mistyped date), and RFC
// 3339 has four-digit years.
const minYear, maxYear = 1970, 9999

// checkYear refuses a date whose year is out of range.
func checkYear(t time.Time) error {
	if t.Year() < minYear || t.Year() > maxYear {
		return fmt.Errorf("year %d is out of range %d-%d", t.Year(), minYear, maxYear)
	}
	return nil
}

func parseDateString(s string, loc *time.Location) (time.Time, error) {
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want e.g. 2022-03-17 05:17:21 +0800, RFC 3339 or 2022-03-17)", s)
}

var fileDate = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})-`)

// dateFromFileName reads a Jekyll post date from a name like
// 2022-03-17-title.md, for articles without a date field.
func dateFromFileName(name string, loc *time.Location) (time.Time, bool) {
	m := fileDate.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", m[1], loc)
	return t, err == nil && checkYear(t) == nil
}
