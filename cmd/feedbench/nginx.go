package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ensureTools installs wrk and nginx with apt-get when either is missing.
func (b *bench) ensureTools(ctx context.Context) error {
	_, e1 := exec.LookPath("wrk")
	_, e2 := exec.LookPath("nginx")
	if e1 == nil && e2 == nil {
		return nil
	}
	b.logf("http: wrk or nginx missing; trying apt-get install -y wrk nginx")
	install := func() error {
		_, err := runProc(ctx, 10*time.Minute, "apt-get", "install", "-y", "-qq", "wrk", "nginx")
		return err
	}
	if err := install(); err != nil {
		if _, err := runProc(ctx, 10*time.Minute, "apt-get", "update", "-qq"); err != nil {
			return fmt.Errorf("apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return fmt.Errorf("apt-get install wrk nginx: %w", err)
		}
	}
	for _, t := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(t); err != nil {
			return err
		}
	}
	return nil
}

// nginxConf is the temporary nginx configuration. %[1]s is the prefix
// directory, %[2]d the port, %[3]s the document root, %[4]s the user line.
const nginxConf = `# written by feedbench; nginx -p %[1]s -c %[1]s/nginx.conf
%[4]sworker_processes 2;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    types {
        application/rss+xml xml;
        text/html html;
        application/json json;
        text/x-opml opml;
    }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    etag on;
    gzip off;
    gzip_static on;
    server {
        listen 127.0.0.1:%[2]d;
        root %[3]s;
    }
}
`

// nginxServer is a running nginx.
type nginxServer struct {
	cmd          *exec.Cmd
	prefix, conf string
	done         chan struct{}
}

// startNginx writes the configuration and runs nginx in the foreground
// (daemon off) as a child process.
func (b *bench) startNginx(root string) (*nginxServer, int, error) {
	prefix := filepath.Join(b.cfg.workdir, "nginx")
	if err := os.RemoveAll(prefix); err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return nil, 0, err
	}
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n" // workers must read the work directory
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, prefix, port, root, user), 0o644); err != nil {
		return nil, 0, err
	}
	if _, err := runProc(context.Background(), time.Minute, "nginx", "-t", "-p", prefix, "-c", conf); err != nil {
		return nil, 0, fmt.Errorf("nginx -t: %w", err)
	}
	errBuf := &tailBuffer{max: 16 << 10}
	cmd := exec.Command("nginx", "-p", prefix, "-c", conf)
	cmd.Stderr = errBuf
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	n := &nginxServer{cmd: cmd, prefix: prefix, conf: conf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(n.done) }()
	b.addCleanup(n.stop)
	c := newClient()
	for i := 0; ; i++ {
		select {
		case <-n.done:
			return nil, 0, fmt.Errorf("nginx exited: %s", errBuf.String())
		default:
		}
		if code, _, _, err := getURL(c, fmt.Sprintf("http://127.0.0.1:%d/", port), "", ""); err == nil && code > 0 {
			break
		}
		if i > 1000 {
			n.stop()
			return nil, 0, fmt.Errorf("nginx does not answer on port %d", port)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n, port, nil
}

// stop runs nginx -s stop and waits for the master to exit (SIGKILL after
// 10s). It is idempotent.
func (n *nginxServer) stop() {
	select {
	case <-n.done:
		return
	default:
	}
	_, _ = runProc(context.Background(), 30*time.Second, "nginx", "-p", n.prefix, "-c", n.conf, "-s", "stop")
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// gzipFile writes path+".gz" the way "gzip -9 -n -k" does, with the gzip
// binary when there is one.
func gzipFile(path string) error {
	if _, err := exec.LookPath("gzip"); err == nil {
		_, err := runProc(context.Background(), time.Minute, "gzip", "-9", "-n", "-k", "-f", path)
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path+".gz", buf.Bytes(), 0o644)
}
