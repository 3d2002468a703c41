package websub

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Subscription is one verified subscriber of one topic.
type Subscription struct {
	Topic    string    `json:"topic"`
	Callback string    `json:"callback"`
	Secret   string    `json:"secret,omitempty"`
	Lease    int64     `json:"lease_seconds"` // as granted
	Expires  time.Time `json:"expires"`
}

// host is the callback's host, which the per-host limit counts by.
func (s *Subscription) host() string { return callbackHost(s.Callback) }

func callbackHost(cb string) string {
	if u, err := url.Parse(cb); err == nil {
		return u.Hostname()
	}
	return cb
}

var bucketSubs = []byte("subscriptions")

// Store keeps the subscriptions: in memory for lookups, and in their own
// bbolt file (websub.db in the state directory) so that they survive a
// restart. They are the one thing feedgen keeps that the articles cannot
// rebuild, so they are not in the article index, whose reset must never
// drop them. Each change is one synced transaction: a crash leaves the
// old set or the new one.
//
// A missing or unreadable file starts empty, with one log line:
// subscribers renew within their lease anyway.
type Store struct {
	mu     sync.Mutex
	db     *bolt.DB // nil: memory only
	topics map[string]map[string]*Subscription
	hosts  map[string]int
	n      int
	log    *slog.Logger
}

// OpenStore opens (or creates) the subscription file at path; "" keeps the
// subscriptions in memory only. It does not fail: a file that cannot be
// used is set aside (renamed to path+".bad") or, when another process holds
// it, left alone, and the store starts empty.
func OpenStore(path string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{topics: map[string]map[string]*Subscription{}, hosts: map[string]int{}, log: log}
	if path == "" {
		log.Info("websub: no state directory: subscriptions are kept in memory only and lost at exit")
		return s
	}
	db, err := s.load(path)
	if err != nil && !errors.Is(err, errLocked) {
		log.Warn("websub: subscriptions file unusable, starting with none (subscribers renew within their lease)", "file", path, "err", err)
		if db != nil {
			db.Close()
		}
		s.reset()
		if rerr := os.Rename(path, path+".bad"); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			log.Warn("websub: cannot set the unusable file aside", "file", path, "err", rerr)
		}
		db, err = s.load(path)
	}
	if err != nil {
		log.Warn("websub: subscriptions kept in memory only", "file", path, "err", err)
		s.reset()
		return s
	}
	s.db = db
	if s.n > 0 {
		log.Info("websub: subscriptions loaded", "file", path, "subscriptions", s.n)
	}
	return s
}

var errLocked = errors.New("held by another process")

// load opens the file and reads every subscription into memory. bbolt
// checks its meta pages on open, but a damaged page deeper in the file can
// make it panic (or fault) while reading; that is turned into an error, because a bad
// file must cost the subscriptions, not the daemon.
func (s *Store) load(path string) (db *bolt.DB, err error) {
	// A truncated file makes bbolt read past the end of its mapping: a
	// memory fault, which this turns into a recoverable panic.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: damaged: %v", path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%s: %w", path, errLocked)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubs)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			s.add(&sub)
			return nil
		})
	})
	if err != nil {
		return db, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

func (s *Store) reset() {
	s.topics, s.hosts, s.n = map[string]map[string]*Subscription{}, map[string]int{}, 0
}

func key(topic, callback string) []byte { return []byte(topic + "\x00" + callback) }

func (s *Store) add(sub *Subscription) {
	m := s.topics[sub.Topic]
	if m == nil {
		m = map[string]*Subscription{}
		s.topics[sub.Topic] = m
	}
	if _, ok := m[sub.Callback]; !ok {
		s.hosts[sub.host()]++
		s.n++
	}
	m[sub.Callback] = sub
}

func (s *Store) remove(topic, callback string) bool {
	m := s.topics[topic]
	sub, ok := m[callback]
	if !ok {
		return false
	}
	delete(m, callback)
	if len(m) == 0 {
		delete(s.topics, topic)
	}
	if h := sub.host(); s.hosts[h] <= 1 {
		delete(s.hosts, h)
	} else {
		s.hosts[h]--
	}
	s.n--
	return true
}

// Put adds or renews a subscription, durably.
func (s *Store) Put(sub Subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		v, err := json.Marshal(&sub)
		if err != nil {
			return err
		}
		if err := s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketSubs).Put(key(sub.Topic, sub.Callback), v)
		}); err != nil {
			return fmt.Errorf("websub: recording subscription: %w", err)
		}
	}
	s.add(&sub)
	return nil
}

// Delete removes a subscription, durably; it reports whether there was one.
func (s *Store) Delete(topic, callback string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketSubs).Delete(key(topic, callback))
		}); err != nil {
			return false, fmt.Errorf("websub: removing subscription: %w", err)
		}
	}
	return s.remove(topic, callback), nil
}

// Get returns the subscription of callback to topic.
func (s *Store) Get(topic, callback string) (Subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.topics[topic][callback]
	if !ok {
		return Subscription{}, false
	}
	return *sub, true
}

// Active returns the subscriptions of topic whose lease has not expired.
func (s *Store) Active(topic string, now time.Time) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.topics[topic]
	out := make([]Subscription, 0, len(m))
	for _, sub := range m {
		if now.Before(sub.Expires) {
			out = append(out, *sub)
		}
	}
	return out
}

// Counts returns how many subscriptions topic has, how many callbacks on
// host there are, and the total.
func (s *Store) Counts(topic, host string) (perTopic, perHost, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.topics[topic]), s.hosts[host], s.n
}

// Expire removes the subscriptions whose lease ended before now and
// returns them.
func (s *Store) Expire(now time.Time) ([]Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []Subscription
	for _, m := range s.topics {
		for _, sub := range m {
			if !now.Before(sub.Expires) {
				gone = append(gone, *sub)
			}
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	if s.db != nil {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketSubs)
			for _, sub := range gone {
				if err := b.Delete(key(sub.Topic, sub.Callback)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("websub: removing expired subscriptions: %w", err)
		}
	}
	for _, sub := range gone {
		s.remove(sub.Topic, sub.Callback)
	}
	return gone, nil
}

// Close closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}
