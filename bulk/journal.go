package bulk

import (
	"encoding/json"
	"fmt"
	"time"
)

// journalVersion is the format of the journal's lines; the header line names it.
const journalVersion = 1

// Journal event kinds. A journal holds ids, outcomes and reasons: never a token or a URL, so
// it can be kept, copied and inspected without becoming a credential itself.
const (
	evHeader  = "journal"     // first line: which operation the journal belongs to
	evIntent  = "intent"      // a request is about to be sent
	evMinted  = "minted"      // create: Clerk answered with a token (its id is recorded)
	evFailed  = "failed"      // Clerk certainly did not act: safe to send again
	evUnknown = "unknown"     // create: Clerk may have minted a token that this run never saw
	evRevoked = "revoked"     // revoke: the token is revoked
	evGone    = "not_pending" // revoke: already accepted, revoked or unknown to Clerk: nothing to do
)

// Operations a journal can belong to.
const (
	opCreate = "create"
	opRevoke = "revoke"
)

// event is one line of a journal.
type event struct {
	Event     string `json:"event"`
	Op        string `json:"op,omitempty"`      // header only
	Version   int    `json:"version,omitempty"` // header only
	UserID    string `json:"user_id,omitempty"`
	ID        string `json:"id,omitempty"`         // the sign-in token's id
	ExpiresAt int64  `json:"expires_at,omitempty"` // Unix ms, minted only
	Reason    string `json:"reason,omitempty"`     // failed, unknown, not_pending
	Time      int64  `json:"ts"`                   // Unix ms when the event was recorded
}

// journal is the durable record of one bulk run, resumed across runs and crashes.
type journal struct {
	*appendLog
	op string
}

// openJournal opens the journal for op at path, creating it with its header line, and replays
// every event already in it through each.
func openJournal(path, op string, each func(event) error) (*journal, error) {
	header := false
	log, err := openLog(path, func(line int, raw []byte) error {
		var e event
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if line == 1 {
			if e.Event != evHeader || e.Version != journalVersion {
				return fmt.Errorf("%s is not a bulk journal (version %d): its first line is not the header", path, journalVersion)
			}
			if e.Op != op {
				return fmt.Errorf("%s is the journal of a bulk %s run, not of a %s run", path, e.Op, op)
			}
			header = true
			return nil
		}
		return each(e)
	})
	if err != nil {
		return nil, err
	}
	j := &journal{appendLog: log, op: op}
	if !header {
		if err := j.record(event{Event: evHeader, Op: op, Version: journalVersion}); err != nil {
			j.close()
			return nil, err
		}
	}
	return j, nil
}

// record appends e, stamped with the time, and returns once it is durable.
func (j *journal) record(e event) error {
	e.Time = time.Now().UnixMilli()
	return j.append(e)
}
