package pipeline

import (
	"os"
	"testing"

	"feedgen/internal/s3test"
)

// The -publish tests share one S3-compatible server per test binary,
// started by the first of them (s3test.Need) and stopped here.
func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
