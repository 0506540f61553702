package clienttest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/gen"
)

// store holds the fake's sign-in tokens, as Clerk's database would.
type store struct {
	mu     sync.Mutex
	tokens map[string]*record
	ticket map[string]string // ticket → token id, for the sign-in URL
	order  []string          // token ids, oldest first
	users  map[string]bool   // nil: every user exists
	now    func() time.Time
}

type record struct {
	token     gen.SignInToken
	orgID     string
	expiresAt time.Time
}

var (
	errUnknownToken = errors.New("no such sign-in token")
	errUnknownUser  = errors.New("no such user")
	errNotPending   = errors.New("sign-in token is not pending")
	errExpired      = errors.New("sign-in token has expired")
)

func newStore(users []string, now func() time.Time) *store {
	s := &store{tokens: map[string]*record{}, ticket: map[string]string{}, now: now}
	if users != nil {
		s.users = map[string]bool{}
		for _, u := range users {
			s.users[u] = true
		}
	}
	return s
}

// create mints a pending token. origin is the base of the sign-in URL (the fake's own).
func (s *store) create(userID, orgID string, expiresIn time.Duration, origin string) (gen.SignInToken, error) {
	if s.users != nil && !s.users[userID] {
		return gen.SignInToken{}, errUnknownUser
	}
	now := s.now()
	id := "sit_" + randomID()
	ticket := jwtShaped(id, userID, orgID, now, now.Add(expiresIn))
	url := origin + ticketPath + "?ticket=" + ticket
	ms := now.UnixMilli()
	tok := gen.SignInToken{
		Object: gen.SignInTokenObjectSignInToken, ID: id, UserID: userID,
		Status: gen.SignInTokenStatusPending, Token: &ticket, URL: &url,
		CreatedAt: ms, UpdatedAt: ms,
	}
	s.mu.Lock()
	s.tokens[id] = &record{token: tok, orgID: orgID, expiresAt: now.Add(expiresIn)}
	s.ticket[ticket] = id
	s.order = append(s.order, id)
	s.mu.Unlock()
	return tok, nil
}

// transition moves a pending token to status. Revoked tokens answer without their
// credentials, as there is nothing left to use them for.
func (s *store) transition(id string, to gen.SignInTokenStatus) (gen.SignInToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.tokens[id]
	switch {
	case !ok:
		return gen.SignInToken{}, errUnknownToken
	case r.token.Status != gen.SignInTokenStatusPending:
		return gen.SignInToken{}, errNotPending
	case to == gen.SignInTokenStatusAccepted && !s.now().Before(r.expiresAt):
		return gen.SignInToken{}, errExpired
	}
	r.token.Status = to
	r.token.UpdatedAt = max(s.now().UnixMilli(), r.token.CreatedAt)
	out := r.token
	out.Token, out.URL = nil, nil
	return out, nil
}

// all returns every token, oldest first, as the api package shows them.
func (s *store) all() []api.SignInToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.SignInToken, 0, len(s.order))
	for _, id := range s.order {
		t := s.tokens[id].token
		out = append(out, api.SignInToken{
			ID: t.ID, UserID: t.UserID, Status: api.Status(t.Status),
			Token: api.NewSecret(deref(t.Token)), URL: api.NewSecret(deref(t.URL)),
			CreatedAt: time.UnixMilli(t.CreatedAt).UTC(), UpdatedAt: time.UnixMilli(t.UpdatedAt).UTC(),
		})
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// idByTicket finds the token a sign-in URL's ticket belongs to.
func (s *store) idByTicket(ticket string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ticket[ticket]
	return id, ok
}

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

// jwtShaped makes a unique ticket that looks like Clerk's (header.payload.signature,
// base64url). It is not signed: nothing outside this fake can verify it, by design.
func jwtShaped(id, userID, orgID string, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"clienttest"}`))
	claims := map[string]any{"sid": id, "sub": userID, "iat": iat.Unix(), "exp": exp.Unix(), "iss": "clienttest"}
	if orgID != "" {
		claims["org"] = orgID
	}
	payload, _ := json.Marshal(claims)
	sig := make([]byte, 32)
	rand.Read(sig)
	return fmt.Sprintf("%s.%s.%s", header, enc.EncodeToString(payload), enc.EncodeToString(sig))
}
