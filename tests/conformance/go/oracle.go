// Command oracle answers, for each document it reads, what cozy-stack makes of it.
//
// It is kpack's conformance oracle (tests/conformance): the standard library only, built
// with the Go toolchain of the machine. Each input line is a JSON object
//
//	{"kind": "account-type" | "manifest" | "url" | "account-type-id", "data": "<bytes, base64>"}
//
// and each output line answers the input line of the same rank:
//
//	{"ok": bool, "error": "...", "stage": "...", "members": [...], "fields": {...},
//	 "urls": {...}, "checks": {...}}
//
// `oracle -schema` prints the structs below instead (fields, json tags, Go types, read by
// reflection): the conformance tests generate their documents from it, not from kpack.
//
// Every behaviour follows cozy-stack at the pinned commit db1163854f06 (github.com/cozy/
// cozy-stack); each type and function names the stack file and function it follows. The
// types are the stack's data model restated (same fields, tags, Go types and custom
// UnmarshalJSON semantics); decoding is the real encoding/json, URL parsing the real
// net/url. Files: stack_account.go (account types), stack_manifest.go (konnector
// manifests), stack_permission.go (permission.Set, VerbSet, CheckDoctypeName),
// explain.go (which member a refusal comes from), schema.go (-schema).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
)

// StackCommit is the cozy-stack commit every behaviour here follows.
const StackCommit = "db1163854f06"

type request struct {
	Kind string `json:"kind"`
	Data []byte `json:"data"` // base64 in the JSON line: any bytes, as read from a file
}

type answer struct {
	OK bool `json:"ok"`
	// Why the stack refuses the document, and at which step (see each decoder).
	Error string `json:"error,omitempty"`
	Stage string `json:"stage,omitempty"`
	// The members whose value the stack's types refuse (explain.go), in document order.
	Members []refusedMember        `json:"members,omitempty"`
	Fields  map[string]interface{} `json:"fields,omitempty"`
	URLs    map[string]urlAnswer   `json:"urls,omitempty"`
	Checks  map[string]interface{} `json:"checks,omitempty"`
}

type urlAnswer struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	Scheme   string `json:"scheme"`
	Host     string `json:"host"`
	Hostname string `json:"hostname"`
	Port     string `json:"port"`
	Opaque   string `json:"opaque"`
	Path     string `json:"path"`
	RawQuery string `json:"raw_query"`
	Fragment string `json:"fragment"`
	User     bool   `json:"user"`
}

// parseURL: net/url's url.Parse, which the stack calls on the endpoints
// (model/account/type.go: MakeOauthStartURL, MakeManageURL, MakeReconnectURL; and through
// http.NewRequest in RequestAccessToken and RefreshAccount).
func parseURL(raw string) urlAnswer {
	u, err := url.Parse(raw)
	if err != nil {
		return urlAnswer{Error: err.Error()}
	}
	return urlAnswer{
		OK: true, Scheme: u.Scheme, Host: u.Host, Hostname: u.Hostname(), Port: u.Port(),
		Opaque: u.Opaque, Path: u.Path, RawQuery: u.RawQuery, Fragment: u.Fragment,
		User: u.User != nil,
	}
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

func handle(req request) answer {
	switch req.Kind {
	case "account-type":
		return decodeAccountType(req.Data)
	case "manifest":
		return readManifest(req.Data)
	case "account-type-id":
		return checkAccountTypeID(string(req.Data))
	case "url":
		u := parseURL(string(req.Data))
		return answer{OK: u.OK, Error: u.Error, URLs: map[string]urlAnswer{"url": u}}
	}
	fmt.Fprintln(os.Stderr, "oracle: unknown kind", req.Kind)
	os.Exit(2)
	return answer{}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-schema" {
		if err := json.NewEncoder(os.Stdout).Encode(schema()); err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(2)
		}
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "oracle: bad request line:", err)
			os.Exit(2)
		}
		if err := encoder.Encode(handle(req)); err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(2)
		}
		if err := out.Flush(); err != nil { // the caller reads each answer as it comes
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(2)
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
