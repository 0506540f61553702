package bulk

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// legacyHint is what a refusal of path adds when path is the output of a v0.1.0 bulk create
// run, which kept an output and a journal (path + ".journal") instead of a state file.
//
// Such a run is not imported: v0.1.0 recorded no instance, so its tokens may be on the
// built-in fake (an empty CLERK_SECRET_KEY) or on another instance than the key at hand, and
// an import would have to guess. Its output is a links file all the same, so undoing it works
// (bulk revoke --in OUTPUT); finishing it takes v0.1.0.
func legacyHint(path string) string {
	if !isLegacyJournal(path + ".journal") {
		return ""
	}
	return fmt.Sprintf(". It is the output of a v0.1.0 bulk create run (its journal %s.journal is beside it), which this version "+
		"does not resume: finish that run with v0.1.0 (go run github.com/clerkgen/signintokens/cmd/signintoken@v0.1.0 bulk create "+
		"with the same flags), or undo it with 'signintoken bulk revoke --in %s'; then start new runs with a new --out", path, path)
}

// isLegacyJournal reports whether path begins with the header line of a v0.1.0 journal.
func isLegacyJournal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 4096)
	if !sc.Scan() {
		return false
	}
	var h struct {
		Event   string `json:"event"`
		Version int    `json:"version"`
	}
	return json.Unmarshal(sc.Bytes(), &h) == nil && h.Event == "journal" && h.Version == 1
}
