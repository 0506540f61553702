package bulk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/clerkgen/signintokens/api"
)

// Instance is the Clerk instance a run talks to. A state file records it when the run starts,
// and every later run on that state (a resume, an undo) must name the same one: the tokens
// in the state exist on that instance only, and a key of another instance would see none of
// them (a resume would skip users who hold no token there; an undo would revoke nothing).
type Instance struct {
	// BaseURL is the API's base URL, as given to api.WithBaseURL (an origin or a URL ending
	// in /v1; the two name the same instance). Empty: api.DefaultBaseURL.
	BaseURL string
	// SecretKey is the key the run uses (api.NewSecret(key): no fmt verb, log or JSON shows it).
	// The state keeps a keyed hash of it (HMAC-SHA256 under a random salt of the state's own),
	// never the key: enough to tell two keys apart, useless for finding one.
	SecretKey api.Secret
	// Fake says the run uses the built-in fake Clerk API, whose tokens are not real: a state
	// started on it is never resumed with a real key, nor the other way round.
	Fake bool
}

// ErrOtherInstance is returned when a state file belongs to another instance than the one
// given: another base URL, another key, or the built-in fake against a real key.
var ErrOtherInstance = errors.New("the state file belongs to another Clerk instance")

// fakeBaseURL is what a state started on the built-in fake records as its base URL: the
// fake's port changes every run, and its tokens die with the process.
const fakeBaseURL = "built-in fake"

// canonicalBaseURL names an instance's API the same way however it was written.
func canonicalBaseURL(u string) string {
	if u == "" {
		return "https://api.clerk.com"
	}
	u = strings.TrimRight(u, "/")
	return strings.TrimSuffix(u, "/v1")
}

// fingerprint is the keyed hash of key under salt, in hex: 16 bytes of HMAC-SHA256.
func fingerprint(salt []byte, key string) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// instanceRecord is what a state keeps of its Instance.
type instanceRecord struct {
	BaseURL     string `json:"base_url"`
	Fingerprint string `json:"key_fingerprint"` // empty for the built-in fake
	Salt        []byte `json:"salt"`
	Fake        bool   `json:"fake"`
}

func newInstanceRecord(inst Instance, salt []byte) (instanceRecord, error) {
	if inst.Fake {
		return instanceRecord{BaseURL: fakeBaseURL, Salt: salt, Fake: true}, nil
	}
	if inst.SecretKey.Reveal() == "" {
		return instanceRecord{}, invalid("Instance.SecretKey is empty (and Instance.Fake is false)")
	}
	return instanceRecord{BaseURL: canonicalBaseURL(inst.BaseURL), Fingerprint: fingerprint(salt, inst.SecretKey.Reveal()), Salt: salt}, nil
}

// check refuses inst unless it is the instance the state was started on.
func (r instanceRecord) check(path string, inst Instance) error {
	given, err := newInstanceRecord(inst, r.Salt)
	if err != nil {
		return err
	}
	switch {
	case r.Fake && !given.Fake:
		return fmt.Errorf("%w: %s was started on the built-in fake (--fake), whose tokens are not real and died with it; "+
			"it cannot be resumed or undone with a real key: start a new run with a new state file", ErrOtherInstance, path)
	case !r.Fake && given.Fake:
		return fmt.Errorf("%w: %s was started against %s (key fingerprint %s), not the built-in fake", ErrOtherInstance, path, r.BaseURL, r.Fingerprint)
	case r.BaseURL != given.BaseURL || r.Fingerprint != given.Fingerprint:
		return fmt.Errorf("%w: %s was started against %s with a key of fingerprint %s; this run names %s with a key of fingerprint %s. "+
			"The state's tokens exist on its instance only: use its key and URL (or start a new run with a new state file)",
			ErrOtherInstance, path, r.BaseURL, r.Fingerprint, given.BaseURL, given.Fingerprint)
	}
	return nil
}
