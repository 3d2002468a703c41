// Package s3test starts a real S3-compatible server for tests: SeaweedFS's
// weed (scripts/install-weed.sh builds it), on loopback ports chosen free,
// with a temporary data directory and one identity, once per test binary.
// Tests ask for it with Need, which skips them when the binary is missing
// (fails them under FEEDGEN_REQUIRE_WEED=1, as CI sets); the package's
// TestMain calls Main, which stops the server at the end, and may call
// Prestart first, to start it in the background at once.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the SeaweedFS module version scripts/install-weed.sh builds.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// The identity the server knows.
const (
	AccessKey = "feedgen-test"
	SecretKey = "feedgen-test-secret"
)

// Server is a running weed.
type Server struct {
	// Endpoint is the S3 endpoint, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	dir      string
	exited   chan struct{}
	buckets  atomic.Int64
	sockets  []string
	stopOnce sync.Once
}

var (
	once    sync.Once
	started *Server
	failed  error
	// starting is the server being started, ready or not, so that Main
	// can stop one that Prestart began and no test went on to need.
	starting atomic.Pointer[Server]
	// prestarted is closed when the start Prestart began is over.
	prestarted chan struct{}
	// closing is set by Main once the tests are over: a start that
	// stores starting after Main looked at it stops its own server.
	closing atomic.Bool
)

// Binary is the weed binary: $FEEDGEN_WEED, else the one
// scripts/install-weed.sh caches; "" when there is none.
func Binary() string {
	if p := os.Getenv("FEEDGEN_WEED"); p != "" {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "feedgen-weed", "weed-"+Version)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Need returns the package's server, starting it on first use. Without a
// binary the test is skipped, or fails under FEEDGEN_REQUIRE_WEED=1.
func Need(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("FEEDGEN_REQUIRE_WEED") == "1" {
			tb.Fatal("no weed binary (run scripts/install-weed.sh, or set FEEDGEN_WEED) and FEEDGEN_REQUIRE_WEED=1")
		}
		tb.Skip("no weed binary: run scripts/install-weed.sh (or set FEEDGEN_WEED) to run the object storage tests")
	}
	once.Do(func() { started, failed = start(bin) })
	if failed != nil {
		tb.Fatal(failed)
	}
	return started
}

// Prestart starts the server in the background when the binary is there
// and the -test.run and -test.skip flags leave one of the named tests to
// run: weed takes about ten seconds to answer, which the tests that need
// it then need not wait for if they start later. It changes nothing else: Need
// waits for the same start, and without a binary it skips or fails as
// without Prestart. Call it from TestMain, after flag.Parse.
func Prestart(tests ...string) {
	bin := Binary()
	if bin == "" || !slices.ContainsFunc(tests, willRun) {
		return
	}
	prestarted = make(chan struct{})
	go func() {
		defer close(prestarted)
		once.Do(func() { started, failed = start(bin) })
	}()
}

// willRun reports whether the top-level test name matches -test.run (its
// first level; a pattern with a slash in brackets may be misread, which
// costs a start early or on first use, nothing else) and not -test.skip.
func willRun(name string) bool {
	match := func(flagName string) (matched, set bool) {
		f := flag.Lookup(flagName)
		if f == nil || f.Value.String() == "" {
			return false, false
		}
		first, _, _ := strings.Cut(f.Value.String(), "/")
		ok, err := regexp.MatchString(first, name)
		return ok || err != nil, true
	}
	if ok, set := match("test.run"); set && !ok {
		return false
	}
	skip, _ := match("test.skip")
	return !skip
}

// Main runs the tests and stops the server if one was started, or is
// being started.
func Main(m *testing.M) int {
	code := m.Run()
	closing.Store(true)
	if s := starting.Load(); s != nil {
		s.stop()
	}
	if prestarted != nil {
		<-prestarted
	}
	return code
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// identities is the server's S3 configuration: one identity allowed
// everything.
const identities = `{"identities":[{"name":"feedgen","credentials":[{"accessKey":"` + AccessKey + `","secretKey":"` + SecretKey + `"}],"actions":["Admin","Read","Write","List","Tagging"]}]}`

// start starts weed and waits until it answers. Its ports are chosen free
// a moment before weed binds them, which it does a second or more later,
// one service after the other: a port the kernel gave meanwhile to another
// socket (tests bind ports of their own) makes weed exit, and a start on
// other ports follows.
func start(bin string) (*Server, error) {
	var err error
	for range 3 {
		var s *Server
		if s, err = startOnce(bin); !errors.Is(err, errPortTaken) {
			return s, err
		}
	}
	return nil, err
}

// errPortTaken is the start failure of a weed that could not bind a port.
var errPortTaken = errors.New("a port weed was given is taken")

func startOnce(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "feedgen-weed-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(conf, []byte(identities), 0o600); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, err
	}
	p, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	args := []string{"server", "-s3", "-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + strconv.Itoa(p[0]), "-master.port.grpc=" + strconv.Itoa(p[1]),
		"-volume.port=" + strconv.Itoa(p[2]), "-volume.port.grpc=" + strconv.Itoa(p[3]),
		"-filer.port=" + strconv.Itoa(p[4]), "-filer.port.grpc=" + strconv.Itoa(p[5]),
		"-s3.port=" + strconv.Itoa(p[6]), "-s3.port.grpc=" + strconv.Itoa(p[7]),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=" + conf,
		"-filer.localSocket=" + filepath.Join(dir, "filer.sock"), "-s3.localSocket=" + filepath.Join(dir, "s3.sock"),
		"-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=400",
		"-volume.preStopSeconds=0",
	}
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = logf, logf, dir
	// Each bucket is a collection of its own, for which the master grows
	// seven volumes by default: a few buckets would take every volume
	// slot. One at a time, as weed mini does, lets every test have its
	// bucket (volumes are sparse files).
	cmd.Env = append(os.Environ(), "WEED_MASTER_VOLUME_GROWTH_COPY_1=1")
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting weed: %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(p[6]), cmd: cmd, dir: dir, exited: make(chan struct{}),
		// The gRPC sockets weed makes in /tmp whatever its flags say.
		sockets: []string{
			fmt.Sprintf("/tmp/seaweedfs-master-grpc-%d.sock", p[1]), fmt.Sprintf("/tmp/seaweedfs-volume-grpc-%d.sock", p[3]),
			fmt.Sprintf("/tmp/seaweedfs-filer-grpc-%d.sock", p[5]), fmt.Sprintf("/tmp/seaweedfs-s3-grpc-%d.sock", p[7]),
		}}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	starting.Store(s)
	if closing.Load() {
		s.stop()
		return nil, errors.New("the tests are over")
	}
	if err := s.ready(3 * time.Minute); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// ready waits until the server answers S3 requests with the identity. An
// external process announces nothing: it is polled, every 100 ms.
func (s *Server) ready(timeout time.Duration) error {
	cl, err := s.Client(nil)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	probe := "probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			tail := s.logTail()
			if strings.Contains(tail, "address already in use") {
				return fmt.Errorf("%w:\n%s", errPortTaken, tail)
			}
			return fmt.Errorf("weed exited while starting:\n%s", tail)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		last = cl.MakeBucket(ctx, probe, minio.MakeBucketOptions{})
		if c := minio.ToErrorResponse(last).Code; c == "BucketAlreadyOwnedByYou" || c == "BucketAlreadyExists" {
			last = nil // an earlier attempt made it
		}
		if last == nil {
			// A write needs the volume servers as well as the gateway.
			_, last = cl.PutObject(ctx, probe, "x", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
		}
		cancel()
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("weed did not answer within %s: %v\n%s", timeout, last, s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "weed.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop kills the server: its data is thrown away, and a graceful stop
// takes weed about 15 seconds. What it would have cleaned up, its
// temporary directory and its sockets, is removed here.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		_ = os.RemoveAll(s.dir)
		for _, p := range s.sockets {
			_ = os.Remove(p)
		}
	})
}

// URL is the endpoint parsed.
func (s *Server) URL() *url.URL {
	u, _ := url.Parse(s.Endpoint) // made by start: valid
	return u
}

// Client is an S3 client of the server with the identity, its requests
// carried by rt (nil: the default transport).
func (s *Server) Client(rt http.RoundTripper) (*minio.Client, error) {
	return minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1",
		BucketLookup: minio.BucketLookupPath, Transport: rt,
	})
}

// Bucket makes a new, empty bucket whose name starts with prefix (lower
// case letters and hyphens) and is unique in this server's life.
func (s *Server) Bucket(tb testing.TB, prefix string) string {
	tb.Helper()
	name := fmt.Sprintf("%s-%d-%d", prefix, os.Getpid()%100000, s.buckets.Add(1))
	cl, err := s.Client(nil)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if err := cl.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("making bucket %s: %v", name, err)
	}
	// The first write to a bucket makes weed grow a volume for it (a
	// bucket is a collection of its own), and a write that comes meanwhile
	// finds none and tries again a second later: a publish, which writes
	// several objects at once, would wait that second in every test. One
	// object written and removed here takes the growth out of the tests.
	const warm = "s3test-warm-up"
	if _, err := cl.PutObject(ctx, name, warm, bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{}); err != nil {
		tb.Fatalf("first write to bucket %s: %v", name, err)
	}
	if err := cl.RemoveObject(ctx, name, warm, minio.RemoveObjectOptions{}); err != nil {
		tb.Fatalf("removing the first object of bucket %s: %v", name, err)
	}
	return name
}

// Env sets, for the test, the AWS variables that point feedgen at the
// server with its identity, and clears the others.
func (s *Server) Env(t testing.TB) {
	t.Helper()
	for _, v := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
}

// Counter is an http.RoundTripper that counts the S3 requests it carries,
// by kind.
type Counter struct {
	Next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

// Kinds of request a Counter tells apart.
const (
	PUT    = "PUT"
	DELETE = "DELETE" // a DELETE, or a POST ?delete of many keys
	LIST   = "LIST"   // a GET of the bucket (one page of a listing)
	GET    = "GET"    // an object read, a HEAD, or any other request
)

// RoundTrip counts req and sends it on.
func (c *Counter) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := GET
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodPut:
		kind = PUT
	case req.Method == http.MethodDelete, req.Method == http.MethodPost && q.Has("delete"):
		kind = DELETE
	case req.Method == http.MethodGet && strings.Count(strings.Trim(req.URL.Path, "/"), "/") == 0 && !q.Has("location"):
		kind = LIST
	}
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind]++
	c.mu.Unlock()
	next := c.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// Take returns the counts so far and starts again from zero.
func (c *Counter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = nil
	if n == nil {
		n = map[string]int{}
	}
	return n
}
