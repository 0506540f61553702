package bulk

import (
	"cmp"
	"maps"
	"slices"
)

// Status is what a state file holds, without credentials: for an operator deciding whether
// to resume, to retry the unknown users (WithRetryUnknown), or to undo.
type Status struct {
	BaseURL        string // the instance the state belongs to ("built-in fake" for --fake runs)
	KeyFingerprint string // keyed hash of its key; empty for the built-in fake
	Users          int    // users the state has a record of
	Minted         int    // tokens minted (or added from a links file)
	Refused        int    // users Clerk refused: sent again on resume
	Unknown        int    // users whose token may exist unrecorded (UnknownUsers)
	ToDo           int    // users whose request was never sent (a stop before sending)
	Revoked        int    // tokens revoked by an undo
	NotPending     int    // tokens an undo found accepted or revoked already
	NotFound       int    // tokens an undo's key could not find
	RevokeFailed   int    // tokens an undo could not revoke yet
	UnknownUsers   []string
}

// Status counts what the state holds.
func (s *State) Status() (Status, error) {
	recs, err := s.records()
	if err != nil {
		return Status{}, err
	}
	st := Status{BaseURL: s.inst.BaseURL, KeyFingerprint: s.inst.Fingerprint, Users: len(recs)}
	for _, userID := range sortedKeys(recs) {
		r := recs[userID]
		switch r.State {
		case stateMinted:
			st.Minted++
		case stateRefused:
			st.Refused++
		case stateIntent, stateUnknown:
			st.Unknown++
			st.UnknownUsers = append(st.UnknownUsers, userID)
		default:
			st.ToDo++
		}
		switch r.Revoke {
		case revokeDone:
			st.Revoked++
		case revokeNotPending:
			st.NotPending++
		case revokeNotFound:
			st.NotFound++
		case revokeFailed, revokeIntent:
			st.RevokeFailed++
		}
	}
	return st, nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.SortedFunc(maps.Keys(m), cmp.Compare[string])
}
