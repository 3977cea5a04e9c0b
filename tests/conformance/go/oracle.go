// Command oracle answers, for each document it reads, what cozy-stack makes of it.
//
// It is kpack's conformance oracle (tests/conformance): the standard library only, built
// with the Go toolchain of the machine. Each input line is a JSON object
//
//	{"kind": "account-type" | "manifest" | "url", "data": "<the document's bytes, base64>"}
//
// and each output line answers the input line of the same rank:
//
//	{"ok": bool, "error": "...", "fields": {...}, "urls": {...}, "checks": {...}}
//
// The structs below are facts about the stack's data model, written from its source
// (cozy-stack model/account/type.go for AccountType; model/app/konnector.go and
// model/app/installer.go for the manifest's typed fields; model/permission for the
// permission rules and CheckDoctypeName). Decoding is encoding/json's, URL parsing is
// net/url's: exactly the code the stack runs, so kpack's rules are checked against it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"unicode"
)

// accountType: the members of an account type document the stack decodes.
type accountType struct {
	DocID  string `json:"_id,omitempty"`
	DocRev string `json:"_rev,omitempty"`
	Slug   string `json:"slug,omitempty"`

	GrantMode             string            `json:"grant_mode,omitempty"`
	ClientID              string            `json:"client_id,omitempty"`
	ClientSecret          string            `json:"client_secret,omitempty"`
	AuthEndpoint          string            `json:"auth_endpoint,omitempty"`
	ReconnectEndpoint     string            `json:"reconnect_endpoint,omitempty"`
	ManageEndpoint        string            `json:"manage_endpoint,omitempty"`
	TokenEndpoint         string            `json:"token_endpoint,omitempty"`
	TokenAuthMode         string            `json:"token_mode,omitempty"`
	RegisteredRedirectURI string            `json:"redirect_uri,omitempty"`
	ExtraAuthQuery        map[string]string `json:"extras,omitempty"`
	SkipRedirectURI       bool              `json:"skip_redirect_uri_on_authorize,omitempty"`
	SkipState             bool              `json:"skip_state_on_token,omitempty"`

	Secret interface{} `json:"secret,omitempty"`

	// Firebase credentials of the notification documents: an object.
	FCMCredentials map[string]interface{} `json:"fcm_credentials,omitempty"`
}

// The grant modes the stack's switch statements know, and the token modes it compares.
var grantModes = []string{
	"authorization_code", "authorization_code+secret", "token", "token_redirect_url",
	"bi_webauth", "bi_webauth+secret", "bi_webview", "bi_webview+secret", "secret",
}
var tokenModes = []string{"", "form", "basic", "get"}

// permissionRule: one member of the manifest's "permissions" (permission.Rule).
type permissionRule struct {
	Type        string   `json:"type"`
	Description string   `json:"description,omitempty"`
	Verbs       []string `json:"verbs,omitempty"`
	Selector    string   `json:"selector,omitempty"`
	Values      []string `json:"values,omitempty"`
}

// konnManifest: the manifest's typed fields; everything else stays raw JSON.
type konnManifest struct {
	Slug            string                     `json:"slug"`
	Source          string                     `json:"source"`
	Version         string                     `json:"version"`
	Name            string                     `json:"name"`
	Icon            string                     `json:"icon"`
	Language        string                     `json:"language"`
	OnDeleteAccount string                     `json:"on_delete_account"`
	ClientSide      bool                       `json:"clientSide"`
	Parameters      map[string]interface{}     `json:"parameters"`
	Permissions     map[string]*permissionRule `json:"permissions"`
	Terms           terms                      `json:"terms"`
	Notifications   map[string]interface{}     `json:"notifications"`
}

// terms: the konnector's terms of service ({url, version}).
type terms struct {
	URL     string `json:"url"`
	Version string `json:"version"`
}

var slugReg = regexp.MustCompile(`^[a-z0-9\-]+$`)
var verbs = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "ALL"}

type request struct {
	Kind string `json:"kind"`
	Data []byte `json:"data"` // base64 in the JSON line: any bytes, as read from a file
}

type answer struct {
	OK     bool                   `json:"ok"`
	Error  string                 `json:"error,omitempty"`
	Fields map[string]interface{} `json:"fields,omitempty"`
	URLs   map[string]urlAnswer   `json:"urls,omitempty"`
	Checks map[string]interface{} `json:"checks,omitempty"`
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

func decodeAccountType(text []byte) answer {
	var at accountType
	if err := json.Unmarshal(text, &at); err != nil {
		return answer{Error: err.Error()}
	}
	fields := map[string]interface{}{
		"_id": at.DocID, "_rev": at.DocRev, "slug": at.Slug, "grant_mode": at.GrantMode,
		"client_id": at.ClientID, "client_secret": at.ClientSecret,
		"auth_endpoint": at.AuthEndpoint, "reconnect_endpoint": at.ReconnectEndpoint,
		"manage_endpoint": at.ManageEndpoint, "token_endpoint": at.TokenEndpoint,
		"token_mode": at.TokenAuthMode, "redirect_uri": at.RegisteredRedirectURI,
		"extras": at.ExtraAuthQuery, "skip_redirect_uri_on_authorize": at.SkipRedirectURI,
		"skip_state_on_token": at.SkipState, "secret": at.Secret,
		"fcm_credentials": at.FCMCredentials,
	}
	urls := map[string]urlAnswer{}
	for _, name := range []string{
		"auth_endpoint", "token_endpoint", "redirect_uri", "manage_endpoint", "reconnect_endpoint",
	} {
		if value := fields[name].(string); value != "" {
			urls[name] = parseURL(value)
		}
	}
	// FindAccountTypesBySlug: a Mango selector on the exact member "slug" (CouchDB
	// compares member names exactly, unlike encoding/json).
	var members map[string]interface{}
	_ = json.Unmarshal(text, &members)
	mangoSlug, _ := members["slug"].(string)
	checks := map[string]interface{}{
		"grant_mode_known": contains(grantModes, at.GrantMode),
		"token_mode_known": contains(tokenModes, at.TokenAuthMode),
		"mango_slug":       mangoSlug,
	}
	return answer{OK: true, Fields: fields, URLs: urls, Checks: checks}
}

// checkDoctypeName: the stack's doctype rule (model/permission/doctypes.go).
func checkDoctypeName(doctype string, authorizeWildcard bool) string {
	if doctype == "" {
		return "empty doctype"
	}
	if authorizeWildcard && strings.HasSuffix(doctype, ".*") {
		if strings.Count(doctype, ".") < 3 {
			return "wildcard on a too short doctype"
		}
		doctype = strings.TrimSuffix(doctype, ".*")
	}
	for _, c := range doctype {
		if unicode.IsLower(c) || unicode.IsDigit(c) || c == '.' || c == '_' {
			continue
		}
		return fmt.Sprintf("invalid character %q", c)
	}
	if doctype[0] == '.' || doctype[len(doctype)-1] == '.' || strings.Contains(doctype, "..") {
		return "misplaced dot"
	}
	return ""
}

func decodeManifest(text []byte) answer {
	var m konnManifest
	if err := json.Unmarshal(text, &m); err != nil {
		return answer{Error: err.Error()}
	}
	doctypes := map[string]interface{}{}
	badVerbs := map[string]interface{}{}
	for name, rule := range m.Permissions {
		if rule == nil {
			doctypes[name] = "null rule"
			continue
		}
		doctypes[name] = checkDoctypeName(rule.Type, true)
		for _, verb := range rule.Verbs {
			if !contains(verbs, verb) {
				badVerbs[name] = verb
			}
		}
	}
	fields := map[string]interface{}{
		"slug": m.Slug, "source": m.Source, "version": m.Version, "name": m.Name,
		"icon": m.Icon, "language": m.Language, "on_delete_account": m.OnDeleteAccount,
		"clientSide": m.ClientSide,
	}
	checks := map[string]interface{}{
		"slug_valid": slugReg.MatchString(m.Slug),
		"doctypes":   doctypes,
		"bad_verbs":  badVerbs,
	}
	return answer{OK: true, Fields: fields, Checks: checks}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var req request
		var ans answer
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "oracle: bad request line:", err)
			os.Exit(2)
		}
		switch req.Kind {
		case "account-type":
			ans = decodeAccountType(req.Data)
		case "manifest":
			ans = decodeManifest(req.Data)
		case "url":
			u := parseURL(string(req.Data))
			ans = answer{OK: u.OK, Error: u.Error, URLs: map[string]urlAnswer{"url": u}}
		default:
			fmt.Fprintln(os.Stderr, "oracle: unknown kind", req.Kind)
			os.Exit(2)
		}
		if err := encoder.Encode(ans); err != nil {
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
