package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// restartResult holds the restart measurements of one corpus size: the
// daemon is started once with an empty state directory and stopped
// (SIGTERM) once its gzip forms are ready, then restarted -restarts times
// with that state and nothing changed in the corpus. Memory and edits are
// measured on the last restart. Times are in seconds.
type restartResult struct {
	N       int
	Skipped string // why not measured
	State   string // the -state directory

	PrimeStart, PrimeGzip float64 // first start, empty state: first 200, gzip ready
	StateBytes            int64   // size of the state directory after the first start
	StateFiles            int

	FirstOK, GzipReady []float64 // per restart: process start → first 200 on /rss.xml, → first gzip answer
	IOFirstOK          []ioStats // per restart: /proc/PID/io at the first 200
	IOReady            []ioStats // per restart: /proc/PID/io when gzip was ready

	MemStart, MemAfter memStats // last restart: -settle after gzip ready, -settle after the edits
	Edits              editStats
	Err                error
}

// benchRestart measures restarts with a valid state.
func (b *bench) benchRestart(ctx context.Context, ci corpusInfo) (res *restartResult) {
	res = &restartResult{N: ci.N}
	if !b.stateServe {
		res.Skipped = "feedgen serve has no -state flag (without it every start is a cold start: see the daemon section)"
		return res
	}
	res.State = b.serveStateDir(ci.N)
	if err := os.RemoveAll(res.State); err != nil {
		res.Err = err
		return res
	}
	extra := []string{"-debounce", b.cfg.debounce.String(), "-state", res.State}
	logPath := func(k int) string {
		return filepath.Join(b.cfg.workdir, "logs", fmt.Sprintf("restart-n%d-%d.log", ci.N, k))
	}

	// Priming start: builds the state.
	b.logf("restart n=%d: first start with an empty state %s", ci.N, res.State)
	d, err := b.startDaemon(ctx, ci.Dir, logPath(0), extra...)
	if err != nil {
		res.Err = err
		return res
	}
	ok, err := d.waitOK(ctx, "/rss.xml", b.cfg.buildTimeout)
	if err != nil {
		d.stop()
		res.Err = err
		return res
	}
	gz, err := d.waitGzip(ctx, "/rss.xml", b.cfg.buildTimeout)
	if err != nil {
		d.stop()
		res.Err = err
		return res
	}
	res.PrimeStart, res.PrimeGzip = ok.Seconds(), gz.Seconds()
	if err := d.stopClean(); err != nil {
		res.Err = err
		return res
	}
	res.StateFiles, res.StateBytes, _ = treeSize(res.State)
	b.logf("restart n=%d: first start: 200 after %s, gzip after %s; state %d files, %s", ci.N,
		fmtSec(res.PrimeStart), fmtSec(res.PrimeGzip), res.StateFiles, fmtBytes(res.StateBytes))

	for k := 1; k <= b.cfg.restarts; k++ {
		last := k == b.cfg.restarts
		d, err := b.startDaemon(ctx, ci.Dir, logPath(k), extra...)
		if err != nil {
			res.Err = err
			return res
		}
		ok, err := d.waitOK(ctx, "/rss.xml", b.cfg.buildTimeout)
		if err != nil {
			d.stop()
			res.Err = err
			return res
		}
		ioOK, _ := readProcIO(d.cmd.Process.Pid)
		gz, err := d.waitGzip(ctx, "/rss.xml", b.cfg.buildTimeout)
		if err != nil {
			d.stop()
			res.Err = err
			return res
		}
		ioGz, _ := readProcIO(d.cmd.Process.Pid)
		res.FirstOK = append(res.FirstOK, ok.Seconds())
		res.GzipReady = append(res.GzipReady, gz.Seconds())
		res.IOFirstOK = append(res.IOFirstOK, ioOK)
		res.IOReady = append(res.IOReady, ioGz)
		b.logf("restart n=%d: restart %d/%d: first 200 after %s, gzip after %s, %s read", ci.N, k, b.cfg.restarts,
			fmtSec(ok.Seconds()), fmtSec(gz.Seconds()), fmtBytes(ioOK.RChar))
		if !last {
			if err := d.stopClean(); err != nil {
				res.Err = err
				return res
			}
			continue
		}
		if err := b.restartTail(ctx, d, ci, res); err != nil {
			res.Err = err
		}
		return res
	}
	return res
}

// restartTail measures memory and edits on the last restart, then stops
// the daemon and restores the edited files.
func (b *bench) restartTail(ctx context.Context, d *daemon, ci corpusInfo, res *restartResult) error {
	defer d.stop()
	if _, err := d.checkHealth(ci.N); err != nil {
		return err
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		return err
	}
	var err error
	if res.MemStart, err = procMem(d.cmd.Process.Pid); err != nil {
		return err
	}
	ed, err := b.newEditor(ci)
	if err != nil {
		return err
	}
	defer func() {
		d.stop()
		ed.restore()
	}()
	if err := ed.run(ctx, d, b.cfg.edits, &res.Edits); err != nil {
		return err
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		return err
	}
	res.MemAfter, err = procMem(d.cmd.Process.Pid)
	return err
}
