package bulk

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/clerkgen/signintokens/api"
)

// outputLine is one line of the output file: a minted token, credentials included, as the
// caller hands it to its user. Only writeToken builds one, from a live token, and it is
// never printed or logged.
type outputLine struct {
	UserID    string `json:"user_id"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"` // Unix ms
	Status    string `json:"status"`
}

// Minted is a token a run minted, as its output or journal records it: ids only.
type Minted struct {
	UserID string `json:"user_id"`
	ID     string `json:"id"` // the sign-in token's id, sit_…
}

// output is the file of minted tokens: append-only, mode 0600, fsynced line by line.
type output struct{ *appendLog }

// openOutput opens the output at path, creating it, and returns the tokens already in it.
func openOutput(path string) (*output, []Minted, error) {
	var done []Minted
	log, err := openLog(path, func(line int, raw []byte) error {
		var m Minted
		if err := json.Unmarshal(raw, &m); err != nil || m.UserID == "" || m.ID == "" {
			// Not quoted: the line holds credentials.
			return fmt.Errorf("%s line %d is not a minted token (user_id and id): is it the output of bulk create?", path, line)
		}
		done = append(done, m)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &output{log}, done, nil
}

// writeToken appends tok to the output and returns once it is durable.
func (o *output) writeToken(tok *api.SignInToken, expiresAt time.Time) error {
	token, url := credentials(tok)
	return o.append(outputLine{
		UserID: tok.UserID, ID: tok.ID, URL: url, Token: token,
		ExpiresAt: expiresAt.UnixMilli(), Status: string(tok.Status),
	})
}

// ReadMinted returns the tokens a bulk create run minted, from its output file or from its
// journal (told apart by the journal's header line), oldest first. It reads ids only: the
// credentials in an output file are skipped over, never kept.
func ReadMinted(path string) ([]Minted, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var minted []Minted
	isJournal := false
	_, err = scanLines(f, path, func(line int, raw []byte) error {
		var e event // user_id and id are named alike in both files; nothing else is kept
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s line %d is not a line of bulk create's output or journal", path, line)
		}
		switch {
		case line == 1 && e.Event == evHeader:
			if e.Op != opCreate {
				return fmt.Errorf("%s is the journal of a bulk %s run; give the output or journal of a bulk create run", path, e.Op)
			}
			isJournal = true
		case isJournal:
			if e.Event == evMinted {
				minted = append(minted, Minted{UserID: e.UserID, ID: e.ID})
			}
		case e.UserID == "" || e.ID == "":
			return fmt.Errorf("%s line %d has no user_id and id: is it the output of bulk create?", path, line)
		default:
			minted = append(minted, Minted{UserID: e.UserID, ID: e.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return minted, nil
}
