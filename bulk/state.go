package bulk

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	boltErrors "go.etcd.io/bbolt/errors"

	"github.com/clerkgen/signintokens/internal/atomicfile"
)

// State is the state file of one bulk run: a bbolt database (one file, ACID transactions, a
// lock of its own) that records the run's instance, and for each user the intent of each
// request before it is sent, its outcome (the minted token with its credentials, Clerk's
// refusal, or unknown), and its revocation. Open it with OpenState; Mint, Revoke, Export and
// Status work on it. One process at a time holds it: a second one is refused (ErrInUse).
type State struct {
	db      *bolt.DB
	path    string
	inst    instanceRecord
	commits *committer
}

// Errors of OpenState and OpenExistingState, for errors.Is.
var (
	// ErrInUse: another run (a create, a revoke, an export) holds the state file.
	ErrInUse = errors.New("the state file is in use by another run")
	// ErrNotState: the file is not a state file of this package (or is of a newer version).
	ErrNotState = errors.New("not a bulk state file")
)

const (
	stateFormat  = "signintokens bulk state"
	stateVersion = 1
	// lockWait is how long opening waits for another process's lock before refusing: long
	// enough for an export or status to finish, short enough not to look hung.
	lockWait = 500 * time.Millisecond
)

var (
	bucketMeta    = []byte("meta")
	bucketUsers   = []byte("users")
	bucketExports = []byte("exports")
	keyMeta       = []byte("state")
)

// stateMeta is the state's header, in bucketMeta.
type stateMeta struct {
	Format   string         `json:"format"`
	Version  int            `json:"version"`
	Created  int64          `json:"created"` // Unix ms
	Instance instanceRecord `json:"instance"`
}

// Outcomes of a user's create request, in record.State.
const (
	stateIntent  = "intent"   // the request is (about to be) sent: the outcome is not known
	stateNotSent = "not_sent" // the intent was recorded, then the run stopped before sending
	stateMinted  = "minted"
	stateRefused = "refused" // Clerk certainly did not mint: sent again on resume
	stateUnknown = "unknown" // Clerk may have minted a token this run never saw
)

// Outcomes of a token's revocation, in record.Revoke.
const (
	revokeIntent     = "intent"
	revokeNotSent    = "not_sent"
	revokeDone       = "revoked"
	revokeNotPending = "not_pending" // accepted or revoked already
	revokeNotFound   = "not_found"   // Clerk knows no such token: asked again on resume
	revokeFailed     = "failed"
)

// record is one user's entry in the state, JSON in bucketUsers under the user id.
type record struct {
	State    string `json:"state,omitempty"`
	Org      string `json:"org_id,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	Reason   string `json:"reason,omitempty"` // refused, unknown: why; never a credential

	// The minted token. URL and Token are credentials: they leave the state only by Export.
	Seq       uint64 `json:"seq,omitempty"` // minted order, for the export
	ID        string `json:"id,omitempty"`
	URL       string `json:"url,omitempty"`
	Token     string `json:"token,omitempty"`
	ExpiresAt int64  `json:"expires_at,omitempty"` // Unix ms
	Status    string `json:"status,omitempty"`
	Imported  bool   `json:"imported,omitempty"` // read from a links file (AddMinted): ids only

	Revoke       string `json:"revoke,omitempty"`
	RevokeReason string `json:"revoke_reason,omitempty"`
}

// OpenState opens the state file at path for a run against inst, creating it (mode 0600)
// when there is none. It refuses, and changes nothing:
//   - a symlink, a file that is not regular, one owned by another user, or one group or
//     others can reach (ErrNotPrivate);
//   - a file that is not a state file of this package, an empty one included (ErrNotState);
//   - a state held by another process (ErrInUse);
//   - a state started against another instance (ErrOtherInstance), naming both base URLs
//     and key fingerprints.
//
// Close it when done: the lock is held until then (or until the process dies).
func OpenState(path string, inst Instance) (*State, error) {
	if _, err := newInstanceRecord(inst, nil); err != nil {
		return nil, err
	}
	if err := checkStateDir(path); err != nil {
		return nil, err
	}
	_, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createState(path, inst)
	case err != nil:
		return nil, err
	}
	s, err := openState(path)
	if err != nil {
		return nil, err
	}
	if err := s.inst.check(path, inst); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenExistingState opens the state file at path for Export or Status, whatever its
// instance; it refuses what OpenState refuses, and a file that does not exist.
func OpenExistingState(path string) (*State, error) {
	return openState(path)
}

func createState(path string, inst Instance) (*State, error) {
	salt := make([]byte, 32)
	rand.Read(salt)
	rec, err := newInstanceRecord(inst, salt)
	if err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, fileMode, &bolt.Options{Timeout: lockWait,
		OpenFile: func(name string, flag int, _ os.FileMode) (*os.File, error) {
			return openPrivate(name, flag|os.O_CREATE)
		}})
	if err != nil {
		return nil, openError(path, err)
	}
	meta := stateMeta{Format: stateFormat, Version: stateVersion, Created: time.Now().UnixMilli(), Instance: rec}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(meta)
		if err := b.Put(keyMeta, raw); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketUsers); err != nil {
			return err
		}
		_, err = tx.CreateBucket(bucketExports)
		return err
	})
	if err == nil {
		err = atomicfile.SyncDir(dirOf(path)) // the new file's name is durable only once its directory is
	}
	if err != nil {
		db.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return newState(db, path, rec), nil
}

func openState(path string) (*State, error) {
	// Read-only first: bbolt opened for writing may write (its free list) to a file of another
	// program that happens to be a bbolt database too.
	for _, readOnly := range []bool{true, false} {
		db, err := bolt.Open(path, fileMode, &bolt.Options{Timeout: lockWait, ReadOnly: readOnly,
			OpenFile: func(name string, flag int, _ os.FileMode) (*os.File, error) {
				f, err := openPrivate(name, flag&^os.O_CREATE)
				if err == nil {
					if info, serr := f.Stat(); serr == nil && info.Size() == 0 {
						f.Close()
						return nil, fmt.Errorf("%w: %s is empty", ErrNotState, name)
					}
				}
				return f, err
			}})
		if err != nil {
			return nil, openError(path, err)
		}
		var meta stateMeta
		err = db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMeta)
			if b == nil || tx.Bucket(bucketUsers) == nil || tx.Bucket(bucketExports) == nil {
				return fmt.Errorf("%w: %s is a bbolt database, but not one this package wrote", ErrNotState, path)
			}
			if err := json.Unmarshal(b.Get(keyMeta), &meta); err != nil || meta.Format != stateFormat {
				return fmt.Errorf("%w: %s is a bbolt database, but not one this package wrote", ErrNotState, path)
			}
			if meta.Version != stateVersion {
				return fmt.Errorf("%w: %s is a state file of version %d; this version of signintokens reads version %d", ErrNotState, path, meta.Version, stateVersion)
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, err
		}
		if !readOnly {
			return newState(db, path, meta.Instance), nil
		}
		if err := db.Close(); err != nil {
			return nil, err
		}
	}
	panic("unreachable")
}

func newState(db *bolt.DB, path string, inst instanceRecord) *State {
	return &State{db: db, path: path, inst: inst, commits: newCommitter(db)}
}

// openError says why bbolt could not open path, in this package's terms.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, boltErrors.ErrTimeout):
		return fmt.Errorf("%w: %s is held by another signintoken process (a create or revoke run, or an export): two runs on one state could mint twice", ErrInUse, path)
	case errors.Is(err, boltErrors.ErrInvalid), errors.Is(err, boltErrors.ErrVersionMismatch), errors.Is(err, boltErrors.ErrChecksum):
		return fmt.Errorf("%w: %s: %v", ErrNotState, path, err)
	}
	return err
}

// Path is the state file's path.
func (s *State) Path() string { return s.path }

// Close commits what is queued and releases the file and its lock.
func (s *State) Close() error {
	s.commits.close()
	return s.db.Close()
}

// records returns every user's record.
func (s *State) records() (map[string]record, error) {
	out := map[string]record{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("%s: the record of %q is damaged: %w", s.path, k, err)
			}
			out[string(k)] = r
			return nil
		})
	})
	return out, err
}

// update changes userID's record in one durable transaction, grouped with other workers'.
func (s *State) update(userID string, change func(r *record)) error {
	return s.commits.do(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		var r record
		if raw := b.Get([]byte(userID)); raw != nil {
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%s: the record of %s is damaged: %w", s.path, userID, err)
			}
		}
		change(&r)
		if r.State == stateMinted && r.Seq == 0 {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			r.Seq = seq
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put([]byte(userID), raw)
	})
}
