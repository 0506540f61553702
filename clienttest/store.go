package clienttest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// Token is a sign-in token as the fake stores it: what Clerk's API shows, plus the
// organization and expiry it was minted with. It never holds the ticket or the sign-in URL:
// those are handed out once, in Create's response, and the fake keeps no copy.
type Token struct {
	ID, UserID     string
	OrganizationID string // "" when the token was minted without one
	Status         api.Status
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      time.Time
}

// DefaultTokenLimit is how many tokens a fake keeps before it evicts finished ones (see
// WithTokenLimit).
const DefaultTokenLimit = 10_000

// store holds the fake's sign-in tokens, as Clerk's database would. Past limit tokens it
// evicts the oldest finished (revoked, accepted) and expired ones; pending tokens that can
// still be used are never evicted, as Clerk would still honour them.
type store struct {
	now    func() time.Time
	users  map[string]bool // nil: every user exists
	limit  int
	ticket []byte // HMAC key that signs tickets, so a ticket names its token without a lookup table

	mu        sync.Mutex
	tokens    map[string]*record
	order     []*record         // oldest first
	nextSweep int               // len(order) at which to look for evictable tokens again
	userIDs   map[string]string // each user id stored once, however many tokens name it
}

// record is a token as the store keeps it: compact, since a long-running fake may hold
// hundreds of thousands of pending tokens. Times are Unix milliseconds, Clerk's resolution.
type record struct {
	id, userID, orgID               string
	status                          api.Status
	createdAt, updatedAt, expiresAt int64
}

func (r *record) token() Token {
	return Token{ID: r.id, UserID: r.userID, OrganizationID: r.orgID, Status: r.status,
		CreatedAt: time.UnixMilli(r.createdAt).UTC(), UpdatedAt: time.UnixMilli(r.updatedAt).UTC(), ExpiresAt: time.UnixMilli(r.expiresAt).UTC()}
}

var (
	errUnknownToken = errors.New("no such sign-in token")
	errUnknownUser  = errors.New("no such user")
	errNotPending   = errors.New("sign-in token is not pending")
	errExpired      = errors.New("sign-in token has expired")
)

func newStore(users []string, limit int, now func() time.Time) *store {
	s := &store{now: now, limit: limit, ticket: make([]byte, 32)}
	rand.Read(s.ticket)
	if users != nil {
		s.users = map[string]bool{}
		for _, u := range users {
			s.users[u] = true
		}
	}
	s.reset()
	return s
}

// reset forgets every token.
func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.order, s.nextSweep, s.userIDs = map[string]*record{}, nil, s.limit+1, map[string]string{}
}

// create mints a pending token and returns it with its ticket (a credential, returned once).
func (s *store) create(userID, orgID string, expiresIn time.Duration) (Token, string, error) {
	if s.users != nil && !s.users[userID] {
		return Token{}, "", errUnknownUser
	}
	now := s.now().Truncate(time.Millisecond) // Clerk's timestamps are milliseconds
	tok := Token{
		ID: "sit_" + randomID(), UserID: userID, OrganizationID: orgID, Status: api.StatusPending,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(expiresIn),
	}
	ticket := s.sign(&tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.userIDs) > 4*s.limit { // many distinct users: stop sharing rather than grow
		clear(s.userIDs)
	}
	if shared, ok := s.userIDs[userID]; ok {
		userID = shared
	} else {
		s.userIDs[userID] = userID
	}
	r := &record{id: tok.ID, userID: userID, orgID: orgID, status: api.StatusPending,
		createdAt: now.UnixMilli(), updatedAt: now.UnixMilli(), expiresAt: tok.ExpiresAt.UnixMilli()}
	s.tokens[r.id] = r
	s.order = append(s.order, r)
	if len(s.order) >= s.nextSweep {
		s.evict()
	}
	return tok, ticket, nil
}

// evict drops the oldest finished or expired tokens until at most limit remain. When pending
// tokens fill the store it cannot get there; either way it waits for the store to grow by a
// quarter before looking again, so each create pays O(1) on average.
func (s *store) evict() {
	now := s.now().UnixMilli()
	excess := len(s.order) - s.limit
	kept := s.order[:0]
	for _, t := range s.order {
		if excess > 0 && (t.status != api.StatusPending || now >= t.expiresAt) {
			delete(s.tokens, t.id)
			excess--
			continue
		}
		kept = append(kept, t)
	}
	clear(s.order[len(kept):]) // let the evicted tokens go
	s.order = kept
	s.nextSweep = max(s.limit, len(s.order)) + max(1, max(s.limit, len(s.order))/4)
}

// transition moves a pending token to status.
func (s *store) transition(id string, to api.Status) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	now := s.now().UnixMilli()
	switch {
	case !ok:
		return Token{}, errUnknownToken
	case t.status != api.StatusPending:
		return Token{}, errNotPending
	case to == api.StatusAccepted && now >= t.expiresAt:
		return Token{}, errExpired
	}
	t.status = to
	t.updatedAt = max(now, t.createdAt)
	return t.token(), nil
}

// all returns every token kept, oldest first.
func (s *store) all() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Token, len(s.order))
	for i, t := range s.order {
		out[i] = t.token()
	}
	return out
}

// maxExpiresInSeconds is the longest expiry the fake can represent (about 292 years);
// longer ones are held at it.
const maxExpiresInSeconds = math.MaxInt64 / int64(time.Second)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomID is 27 base62 characters, the length and alphabet of Clerk's ids.
func randomID() string {
	b := make([]byte, 27)
	rand.Read(b)
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return string(b)
}

var ticketHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"clienttest"}`))

// sign makes tok's ticket, shaped like Clerk's (a JWT: header.payload.signature). It is signed
// with the fake's own random key, so only this fake accepts it, and it carries the token's id,
// so the fake needs no table from tickets to tokens.
func (s *store) sign(tok *Token) string {
	enc := base64.RawURLEncoding
	claims := map[string]any{"sid": tok.ID, "sub": tok.UserID, "iat": tok.CreatedAt.Unix(), "exp": tok.ExpiresAt.Unix(), "iss": "clienttest"}
	if tok.OrganizationID != "" {
		claims["org"] = tok.OrganizationID
	}
	payload, _ := json.Marshal(claims)
	signed := ticketHeader + "." + enc.EncodeToString(payload)
	return signed + "." + enc.EncodeToString(s.mac(signed))
}

func (s *store) mac(signed string) []byte {
	m := hmac.New(sha256.New, s.ticket)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// idByTicket returns the token id a ticket this fake signed names.
func (s *store) idByTicket(ticket string) (string, bool) {
	i := strings.LastIndexByte(ticket, '.')
	if i < 0 {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(ticket[i+1:])
	if err != nil || !hmac.Equal(sig, s.mac(ticket[:i])) {
		return "", false
	}
	_, payload, _ := strings.Cut(ticket[:i], ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var claims struct {
		SID string `json:"sid"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return "", false
	}
	return claims.SID, true
}
