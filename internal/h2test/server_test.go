package h2test_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// testCert is the loopback server's certificate. TestMain points SSL_CERT_FILE at it before
// anything loads the system roots, so the api package's own default client trusts it exactly
// as it would trust api.clerk.com: the test runs the real default transport, not a stand-in.
var (
	testCert tls.Certificate
	testPool *x509.CertPool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "h2test")
	if err != nil {
		panic(err)
	}
	certPEM, err := makeCert()
	if err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, certPEM, 0o600); err != nil {
		panic(err)
	}
	os.Setenv("SSL_CERT_FILE", path)
	os.Unsetenv("SSL_CERT_DIR")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func makeCert() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "h2test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	testPool = x509.NewCertPool()
	testPool.AddCert(leaf)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// request is one complete request the raw server read.
type request struct {
	streamID uint32
	n        int // 1 for the first request the server saw, 2 for the second…
}

// reaction is what the server does with a complete request, writing frames on fr. It
// returns false to hang up the connection afterwards.
type reaction func(fr *http2.Framer, enc *hpackWriter, req request) (keepConn bool)

// h2Server is an HTTP/2 server written frame by frame with x/net/http2's Framer, so a test
// can send what net/http's server never would: a reset or GOAWAY at the moment of its choice.
type h2Server struct {
	t     testing.TB
	ln    net.Listener
	react reaction
	posts atomic.Int32 // requests seen in full (HEADERS, and DATA up to END_STREAM)
	wg    sync.WaitGroup
	mu    sync.Mutex
	open  []net.Conn
}

func newH2Server(t testing.TB, react reaction) *h2Server {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{testCert},
		NextProtos:   []string{http2.NextProtoTLS},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &h2Server{t: t, ln: ln, react: react}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// URL is the server's origin.
func (s *h2Server) URL() string { return "https://" + s.ln.Addr().String() }

func (s *h2Server) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *h2Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.open = append(s.open, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.serve(c.(*tls.Conn))
		}()
	}
}

func (s *h2Server) serve(c *tls.Conn) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a bound on a test that goes wrong
	if err := c.Handshake(); err != nil {
		return
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != http2.NextProtoTLS {
		s.t.Errorf("client negotiated %q, not h2", p)
		return
	}
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(c, c)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		return
	}
	enc := newHPACKWriter()
	pending := map[uint32]request{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		var done *request
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if fr.WriteSettingsAck() != nil {
					return
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if fr.WritePing(true, f.Data) != nil {
					return
				}
			}
		case *http2.MetaHeadersFrame:
			r := request{streamID: f.StreamID}
			if f.StreamEnded() {
				done = &r
			} else {
				pending[f.StreamID] = r
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				if r, ok := pending[f.StreamID]; ok {
					delete(pending, f.StreamID)
					done = &r
				}
			}
		case *http2.GoAwayFrame:
			return
		}
		if done != nil {
			done.n = int(s.posts.Add(1))
			if !s.react(fr, enc, *done) {
				return
			}
		}
	}
}

// hpackWriter encodes response headers.
type hpackWriter struct {
	buf bytes.Buffer
	enc *hpack.Encoder
}

func newHPACKWriter() *hpackWriter {
	w := &hpackWriter{}
	w.enc = hpack.NewEncoder(&w.buf)
	return w
}

func (w *hpackWriter) block(fields ...string) []byte {
	w.buf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(w.buf.Bytes())
}

const tokenBody = `{"object":"sign_in_token","id":"sit_1","status":"pending","user_id":"user_2abc",` +
	`"token":"tok","url":"https://x.example/?t=tok","created_at":1764106651000,"updated_at":1764106651000}`

// answer200 answers the request with a sign-in token.
func answer200(fr *http2.Framer, enc *hpackWriter, req request) bool {
	err := fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID:      req.streamID,
		BlockFragment: enc.block(":status", "200", "content-type", "application/json"),
		EndHeaders:    true,
	})
	if err == nil {
		err = fr.WriteData(req.streamID, true, []byte(tokenBody))
	}
	return err == nil
}

// reset answers with RST_STREAM code.
func reset(code http2.ErrCode) reaction {
	return func(fr *http2.Framer, _ *hpackWriter, req request) bool {
		return fr.WriteRSTStream(req.streamID, code) == nil
	}
}

// goAway sends GOAWAY naming the last stream the server processed (below the request's own,
// so it was certainly not processed, or the request's own, so it may have been) and hangs up.
func goAway(processed bool) reaction {
	return func(fr *http2.Framer, _ *hpackWriter, req request) bool {
		var last uint32 // client streams are odd: the one before this one, or 0 for stream 1
		if req.streamID > 2 {
			last = req.streamID - 2
		}
		if processed {
			last = req.streamID
		}
		_ = fr.WriteGoAway(last, http2.ErrCodeNo, nil)
		return false
	}
}

// firstThen reacts to the first request with first and to every later one with rest.
func firstThen(first, rest reaction) reaction {
	return func(fr *http2.Framer, enc *hpackWriter, req request) bool {
		if req.n == 1 {
			return first(fr, enc, req)
		}
		return rest(fr, enc, req)
	}
}
