package bulk

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clerkgen/signintokens/internal/atomicfile"
)

// ErrForeignFile is returned for an existing links file that this state did not write:
// Export replaces only its own exports, never a file of someone else's.
var ErrForeignFile = errors.New("the file exists and this state did not write it")

// linkLine is one line of a links file: a minted token, credentials included, as the operator
// hands it to its user. Only Export builds one, from the state.
type linkLine struct {
	UserID    string `json:"user_id"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"` // Unix ms
	Status    string `json:"status"`
}

// Minted is a token a run minted, as a links file records it: ids only.
type Minted struct {
	UserID string `json:"user_id"`
	ID     string `json:"id"` // the sign-in token's id, sit_…
}

func dirOf(path string) string { return filepath.Dir(path) }

// CheckExport reports whether Export may write path: it does not exist, or it is a private
// file (see OpenState) whose content is an export this state wrote. Call it before a run, so
// that a wrong --out stops the run before anything is minted.
func (s *State) CheckExport(path string) error {
	_, err := s.exportedBefore(path)
	return err
}

// exportedBefore checks path as CheckExport does, and reports whether it exists.
func (s *State) exportedBefore(path string) (bool, error) {
	f, err := openPrivate(path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return true, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	ours := false
	err = s.db.View(func(tx *bolt.Tx) error {
		ours = tx.Bucket(bucketExports).Get([]byte(sum)) != nil
		return nil
	})
	if err != nil {
		return true, err
	}
	if !ours {
		return true, fmt.Errorf("%w: %s is not an export of %s (as it stands now): not overwriting it; give another path, "+
			"or move the file away if it is yours (an export edited by hand counts as someone else's)%s",
			ErrForeignFile, path, s.path, legacyHint(path))
	}
	return true, nil
}

// Export writes every token the state holds with its credentials to path, as JSON lines
// (user_id, id, url, token, expires_at in Unix ms, status), in the order they were minted:
// whole, mode 0600, replacing path atomically (internal/atomicfile: a temporary file beside
// it, fsynced, renamed over it). A crash leaves either the old file or the new one. It refuses (ErrForeignFile, ErrNotPrivate)
// a path that exists and is not an export of this state; it returns the tokens written.
//
// The file holds credentials: send the links, then delete it. Export again whenever needed.
func (s *State) Export(path string) (int, error) {
	if _, err := s.exportedBefore(path); err != nil {
		return 0, err
	}
	recs, err := s.records()
	if err != nil {
		return 0, err
	}
	type entry struct {
		seq  uint64
		line linkLine
	}
	var lines []entry
	for userID, r := range recs {
		if r.State == stateMinted && !r.Imported {
			lines = append(lines, entry{r.Seq, linkLine{UserID: userID, ID: r.ID, URL: r.URL, Token: r.Token, ExpiresAt: r.ExpiresAt, Status: exportStatus(r)}})
		}
	}
	slices.SortFunc(lines, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range lines {
		if err := enc.Encode(e.line); err != nil {
			return 0, err
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	// Recorded before the file is written: whatever a crash leaves at path, the old file or
	// the new, the state knows it as its own. A write that fails leaves a record of content
	// that is nowhere, which allows nothing.
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExports).Put([]byte(hex.EncodeToString(sum[:])), []byte(time.Now().UTC().Format(time.RFC3339)))
	})
	if err != nil {
		return 0, err
	}
	removeStaleTemps(path)
	if err := atomicfile.Write(path, buf.Bytes()); err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	return len(lines), nil
}

// exportStatus is a token's status as the links file states it: what a revoke run learned
// of it when there was one (revoked by it, or found already accepted or revoked by Clerk's
// "cannot be revoked"), else the status Clerk answered when it minted the token. An export
// after an undo must not list revoked links as pending.
func exportStatus(r record) string {
	switch r.Revoke {
	case revokeDone:
		return revokeDone
	case revokeNotPending:
		return revokeNotPending
	}
	return r.Status
}

// removeStaleTemps removes the temporary files an export killed before its rename left
// beside path (atomicfile.TempPrefix): they hold credentials. Only private files of this user
// are removed.
func removeStaleTemps(path string) {
	entries, _ := os.ReadDir(dirOf(path))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), atomicfile.TempPrefix(path)) {
			continue
		}
		name := filepath.Join(dirOf(path), e.Name())
		if info, err := os.Lstat(name); err == nil && checkPrivate(name, info) == nil {
			os.Remove(name)
		}
	}
}

// maxLinkLine bounds one line of a links file read back: an export's lines are under 40 KiB
// (a token and URL are at most maxCredential each).
const maxLinkLine = 1 << 20

// ReadMinted returns the tokens in a links file (an export, or the output of v0.1.0's bulk
// create, which has the same lines), oldest first, or in a v0.1.0 journal. It reads ids
// only: the credentials are skipped over, never kept. Use it with State.AddMinted to undo a
// run whose state file is lost.
func ReadMinted(path string) ([]Minted, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLinkLine)
	var minted []Minted
	journal := false
	for line := 1; sc.Scan(); line++ {
		var e struct {
			Event  string `json:"event"`
			Op     string `json:"op"`
			UserID string `json:"user_id"`
			ID     string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not quoted: the line may hold credentials.
			return nil, fmt.Errorf("%s line %d is not a line of a links file", path, line)
		}
		switch {
		case line == 1 && e.Event == "journal":
			if e.Op != "create" {
				return nil, fmt.Errorf("%s is the journal of a v0.1.0 bulk %s run; give a links file or a bulk create journal", path, e.Op)
			}
			journal = true
		case journal:
			if e.Event == "minted" {
				minted = append(minted, Minted{UserID: e.UserID, ID: e.ID})
			}
		case e.UserID == "" || e.ID == "":
			return nil, fmt.Errorf("%s line %d has no user_id and id: is it a links file of bulk create?", path, line)
		default:
			minted = append(minted, Minted{UserID: e.UserID, ID: e.ID})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, m := range minted {
		if !isID(m.ID) || !isID(m.UserID) {
			return nil, fmt.Errorf("%s: token %d: the user or token id has characters no Clerk id has", path, i+1)
		}
	}
	return minted, nil
}

// AddMinted records tokens read from a links file (ReadMinted) as minted, ids only, so that
// Revoke can undo them: for a run whose state file is lost, or a v0.1.0 run. A user the state
// already holds keeps its record.
func (s *State) AddMinted(minted []Minted) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		for _, m := range minted {
			if b.Get([]byte(m.UserID)) != nil {
				continue
			}
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			raw, _ := json.Marshal(record{State: stateMinted, ID: m.ID, Seq: seq, Imported: true})
			if err := b.Put([]byte(m.UserID), raw); err != nil {
				return err
			}
		}
		return nil
	})
}
