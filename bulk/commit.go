package bulk

import (
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds the changes one group commit carries.
const maxGroup = 512

// committer commits the changes of many workers in few transactions (group commit): one
// goroutine takes every change waiting when the last commit ended, applies them all in one
// bbolt transaction, and answers each once that transaction is on disk. A commit (two fsyncs)
// thus costs each worker a share, and the batch grows with the disk's latency: no timer to
// tune, and a lone change is committed at once. bbolt's own DB.Batch waits a fixed delay
// instead, and its batches stay small when the disk is slow.
type committer struct {
	db    *bolt.DB
	queue chan change

	mu     sync.RWMutex // held for reading while sending to queue; close takes it for writing
	closed bool
	done   chan struct{}

	commits atomic.Int64 // transactions committed, for the benchmarks
}

// change is one transaction's worth of work from one caller. fn may run more than once (when
// another change of its group fails, the group is retried without it), so it must read what
// it changes from the transaction, not from before it.
type change struct {
	fn  func(*bolt.Tx) error
	err chan error
}

var errStateClosed = errors.New("bulk: the state file is closed")

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, queue: make(chan change), done: make(chan struct{})}
	go c.loop()
	return c
}

// do applies fn in a transaction shared with other callers' and returns once it is durable.
func (c *committer) do(fn func(*bolt.Tx) error) error {
	ch := change{fn: fn, err: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errStateClosed
	}
	c.queue <- ch
	c.mu.RUnlock()
	return <-ch.err
}

func (c *committer) loop() {
	defer close(c.done)
	for first := range c.queue {
		group := []change{first}
	gather:
		for len(group) < maxGroup {
			select {
			case ch, ok := <-c.queue:
				if !ok {
					break gather
				}
				group = append(group, ch)
			default:
				break gather
			}
		}
		c.commit(group)
	}
}

// commit applies group in one transaction. A change that fails is taken out and committed
// alone, so that it gets its own error and the others still land.
func (c *committer) commit(group []change) {
	for len(group) > 0 {
		failed := -1
		c.commits.Add(1)
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, ch := range group {
				if err := ch.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, ch := range group {
				ch.err <- err // nil, or the commit's own error (a failed fsync): nothing landed
			}
			return
		}
		alone := group[failed]
		alone.err <- c.db.Update(alone.fn)
		group = append(group[:failed], group[failed+1:]...)
	}
}

// close waits for the changes already queued and stops the loop.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.done
}
