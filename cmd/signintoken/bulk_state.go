package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/clerkgen/signintokens/bulk"
)

const (
	bulkExportSynopsis = "bulk export --state FILE --out links.jsonl"
	bulkStatusSynopsis = "bulk status --state FILE"
)

// runBulkExport writes a run's links file again from its state: after a lost or sent-and-
// deleted links file, or to another place.
func runBulkExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk export", stderr)
	statePath := fs.String("state", "", "the run's state file")
	out := fs.String("out", "", "the links file to write (0600; an existing file is replaced only if this state wrote it)")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, bulkExportSynopsis, stdout, stderr)
	}
	if len(positional) > 0 || *statePath == "" || *out == "" || *out == "-" {
		fmt.Fprintln(stderr, "signintoken bulk export: --state FILE and --out FILE are required")
		return exitUsage
	}
	st, err := bulk.OpenExistingState(*statePath)
	if err != nil {
		return failBulk(stderr, err)
	}
	defer st.Close()
	n, err := st.Export(*out)
	if err != nil {
		return failBulk(stderr, err)
	}
	fmt.Fprintf(stdout, "exported %d tokens to %s (holds credentials: keep it private, delete it once the links are sent)\n", n, *out)
	return exitOK
}

// runBulkStatus prints what a state holds, without credentials.
func runBulkStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bulk status", stderr)
	statePath := fs.String("state", "", "the run's state file")
	positional, err := parse(fs, args)
	if err != nil {
		return flagExit(err, fs, bulkStatusSynopsis, stdout, stderr)
	}
	if len(positional) > 0 || *statePath == "" {
		fmt.Fprintln(stderr, "signintoken bulk status: --state FILE is required")
		return exitUsage
	}
	st, err := bulk.OpenExistingState(*statePath)
	if err != nil {
		return failBulk(stderr, err)
	}
	s, err := st.Status()
	st.Close()
	if err != nil {
		return failBulk(stderr, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "instance:\t%s\n", s.BaseURL)
	if s.KeyFingerprint != "" {
		fmt.Fprintf(tw, "key fingerprint:\t%s\n", s.KeyFingerprint)
	}
	fmt.Fprintf(tw, "users:\t%d\n", s.Users)
	fmt.Fprintf(tw, "minted:\t%d\n", s.Minted)
	fmt.Fprintf(tw, "refused:\t%d\t(nothing minted; a resume sends again)\n", s.Refused)
	fmt.Fprintf(tw, "unknown:\t%d\t(a token may exist; not minted again unless --retry-unknown)\n", s.Unknown)
	fmt.Fprintf(tw, "not sent:\t%d\t(a resume sends)\n", s.ToDo)
	fmt.Fprintf(tw, "revoked:\t%d\n", s.Revoked)
	fmt.Fprintf(tw, "not pending:\t%d\t(used or revoked already)\n", s.NotPending)
	fmt.Fprintf(tw, "not found:\t%d\t(an undo's key did not know them)\n", s.NotFound)
	fmt.Fprintf(tw, "revoke failed:\t%d\n", s.RevokeFailed)
	tw.Flush()
	if len(s.UnknownUsers) > 0 {
		fmt.Fprintln(stdout, "unknown users:")
		for _, id := range s.UnknownUsers {
			fmt.Fprintf(stdout, "  %s\n", id)
		}
	}
	return exitOK
}
