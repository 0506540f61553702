package main

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// serverLimits bound what one client can make the fake hold: a connection that never
// finishes its headers or its body, an idle keep-alive connection, a huge header block.
type serverLimits struct {
	readHeader time.Duration // headers must arrive within this
	read       time.Duration // the whole request, body included (a never-ending body is cut)
	idle       time.Duration // an idle keep-alive connection is closed after this
	maxHeader  int           // bytes of request line and headers; more gets 431
}

// defaultServerLimits are generous for any real client on loopback or a CI network (which
// sends its headers in milliseconds), and small enough that a stuck or hostile one is let go.
// No write timeout: a queued latency fault may hold an answer on purpose (and Close releases
// it at shutdown).
var defaultServerLimits = serverLimits{
	readHeader: 5 * time.Second,
	read:       30 * time.Second,
	idle:       60 * time.Second,
	maxHeader:  64 << 10,
}

// defaultMaxConns is --max-conns: connections open at once. A connection costs the fake about
// 16 KiB until it is closed, so 1,024 of them fit well within its memory target.
const defaultMaxConns = 1024

// newFakeServer serves h with lim. conns, when not nil, is the listener the server will serve
// (limitListener): it learns from the server which connections have sent a request, and
// which of those requests hold their slot.
func newFakeServer(h http.Handler, lim serverLimits, conns *connLimiter) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.readHeader,
		ReadTimeout:       lim.read,
		IdleTimeout:       lim.idle,
		MaxHeaderBytes:    lim.maxHeader,
	}
	if conns != nil {
		srv.ConnState = conns.track
		srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		}
		srv.Handler = conns.holdOnly(h)
	}
	return srv
}

// connKey is the context key of a request's connection.
type connKey struct{}

// limitListener keeps at most n connections open at once, and does not let connections that
// never send a request hold them: when all n are taken and another arrives, the oldest
// connection that has not yet sent a whole request's headers is closed to make room. Only
// when every open connection has sent one (a key holder's keep-alive connections: the fake
// closes the connection after answering a request without its key) does a new one wait, in
// the kernel's accept queue, for a slot. So a neighbour holding a thousand idle or slow
// connections cannot keep a client with the key waiting: its connection is the newest, and
// sends its request at once.
//
// holds, when not nil, says which requests hold their connection's slot (the fake's: those
// with its key); a connection whose request does not stays open to eviction while it is
// answered. Otherwise a neighbour's requests without the key, sent whole but for a body
// dribbled a byte a second, would hold every slot for the read timeout: the fake reads a
// refused request's body before it answers (see clienttest's closeAfter), and net/http after.
//
// (golang.org/x/net/netutil.LimitListener caps connections too, but any connection holds its
// slot until it closes, idle or not, which is the problem this solves.)
func limitListener(ln net.Listener, n int, holds func(*http.Request) bool) *connLimiter {
	return &connLimiter{Listener: ln, max: n, holds: holds, freed: make(chan struct{}, 1), done: make(chan struct{})}
}

type connLimiter struct {
	net.Listener
	max   int
	holds func(*http.Request) bool // nil: every request holds its slot

	mu    sync.Mutex
	open  int       // connections accepted and not yet closed
	fresh list.List // of *limitedConn that have not sent a request, oldest first

	freed     chan struct{} // a slot was freed (buffered: a signal, not a count)
	done      chan struct{} // closed by Close, so a waiting Accept returns
	closeOnce sync.Once
}

// Accept takes the next connection, then a slot for it: a free one, or the slot of the
// oldest fresh connection, which it closes; or it waits for a slot.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		if l.open < l.max {
			l.open++
			lc := &limitedConn{Conn: c, l: l}
			lc.fresh = l.fresh.PushBack(lc)
			l.mu.Unlock()
			return lc, nil
		}
		var oldest *limitedConn
		if e := l.fresh.Front(); e != nil {
			oldest = l.fresh.Remove(e).(*limitedConn)
			oldest.fresh = nil
		}
		l.mu.Unlock()
		if oldest != nil {
			oldest.Close() // frees its slot
			continue
		}
		select {
		case <-l.freed:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// track is the server's ConnState hook: a connection turns active once it has read a whole
// request's headers, and is no longer fresh.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok || state != http.StateActive {
		return
	}
	l.mu.Lock()
	if lc.fresh != nil {
		l.fresh.Remove(lc.fresh)
		lc.fresh = nil
	}
	l.mu.Unlock()
}

// holdOnly serves h, first giving the connection of a request that does not hold its slot
// back to eviction, first in line: it has shown it has no key.
func (l *connLimiter) holdOnly(h http.Handler) http.Handler {
	if l.holds == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lc, ok := r.Context().Value(connKey{}).(*limitedConn); ok && !l.holds(r) {
			l.mu.Lock()
			if lc.fresh == nil && !lc.released {
				lc.fresh = l.fresh.PushFront(lc)
			}
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *connLimiter) release(lc *limitedConn) {
	l.mu.Lock()
	if lc.fresh != nil {
		l.fresh.Remove(lc.fresh)
		lc.fresh = nil
	}
	lc.released = true
	l.open--
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

func (l *connLimiter) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitedConn struct {
	net.Conn
	l        *connLimiter
	fresh    *list.Element // in l.fresh while it may be evicted; guarded by l.mu
	released bool          // its slot is free; guarded by l.mu
	once     sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
	return err
}

// fakeMemoryLimit is the fake's soft memory limit unless GOMEMLIMIT sets one: the garbage
// collector then works to keep the heap near what is live, so a fake that has served 100k
// requests stays small (see docs/performance.md). It is soft: a fake holding more live
// tokens than fit collects more often, and keeps working.
const fakeMemoryLimit = 40 << 20

// limitMemory is called by main for the fake subcommand only: the limit is the process's.
func limitMemory(getenv env) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(fakeMemoryLimit)
	}
}
