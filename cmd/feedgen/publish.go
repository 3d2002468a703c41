package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"feedgen/bucket"
	"feedgen/pipeline"
)

// targetList is the repeatable -publish flag.
type targetList []bucket.Target

func (l *targetList) String() string {
	var s []string
	for _, t := range *l {
		s = append(s, t.String())
	}
	return strings.Join(s, ",")
}

func (l *targetList) Set(v string) error {
	t, err := bucket.ParseTarget(v)
	if err != nil {
		return err
	}
	*l = append(*l, t)
	return nil
}

// publishFlags are the flags of publishing to object storage, shared by
// build and serve.
type publishFlags struct {
	targets    targetList
	maxDeletes int
	verify     bool
	hook       string
}

func (p *publishFlags) register(fs *flag.FlagSet) {
	fs.Var(&p.targets, "publish", "also mirror the output to the S3-compatible `bucket` s3://BUCKET[/PREFIX] (repeatable); credentials, region and endpoint come from the AWS variables (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3...)")
	fs.IntVar(&p.maxDeletes, "publish-max-deletes", bucket.DefaultMaxDeletes, "refuse a publish that would delete more than this many objects (-1: no bound)")
	fs.BoolVar(&p.verify, "publish-verify", false, "reconcile each bucket with one full listing first, instead of trusting the state")
	fs.StringVar(&p.hook, "publish-hook", "", "shell `command` run after each publish that changed something, with the changed public URLs on its standard input, one a line (a CDN purge)")
}

// options checks the flags and reads the store's configuration from the
// environment.
func (p *publishFlags) options(fs *flag.FlagSet, hookOut io.Writer) (pipeline.PublishOptions, error) {
	if len(p.targets) == 0 {
		for _, name := range []string{"publish-max-deletes", "publish-verify", "publish-hook"} {
			if given(fs, name) {
				return pipeline.PublishOptions{}, fmt.Errorf("-%s needs -publish", name)
			}
		}
		return pipeline.PublishOptions{}, nil
	}
	if p.maxDeletes < -1 {
		return pipeline.PublishOptions{}, fmt.Errorf("-publish-max-deletes %d: want a number of objects, or -1 for no bound", p.maxDeletes)
	}
	cfg, err := bucket.ConfigFromEnv()
	if err != nil {
		return pipeline.PublishOptions{}, err
	}
	return pipeline.PublishOptions{Targets: p.targets, Config: cfg, MaxDeletes: p.maxDeletes, Verify: p.verify,
		Hook: p.hook, HookOutput: hookOut}, nil
}

// publishError adds to a refused publish the flag that allows it.
func publishError(err error) error {
	var tooMany *bucket.TooManyDeletesError
	if errors.As(err, &tooMany) {
		return fmt.Errorf("%w (-publish-max-deletes allows more)", err)
	}
	return err
}
