package main

import (
	"encoding/json"
	"strings"
)

// accountType follows account.AccountType (model/account/type.go @db1163854f06): the same
// fields, json tags and Go types.
type accountType struct {
	DocID  string `json:"_id,omitempty"`
	DocRev string `json:"_rev,omitempty"`
	Slug   string `json:"slug,omitempty"`

	GrantMode             string            `json:"grant_mode,omitempty"`
	ClientID              string            `json:"client_id,omitempty"`
	ClientSecret          string            `json:"client_secret,omitempty"`
	AuthEndpoint          string            `json:"auth_endpoint,omitempty"`
	ManageEndpoint        string            `json:"manage_endpoint,omitempty"`
	ReconnectEndpoint     string            `json:"reconnect_endpoint,omitempty"`
	TokenEndpoint         string            `json:"token_endpoint,omitempty"`
	TokenAuthMode         string            `json:"token_mode,omitempty"`
	RegisteredRedirectURI string            `json:"redirect_uri,omitempty"`
	ExtraAuthQuery        map[string]string `json:"extras,omitempty"`
	SkipRedirectURI       bool              `json:"skip_redirect_uri_on_authorize,omitempty"`
	SkipState             bool              `json:"skip_state_on_token,omitempty"`

	Secret interface{} `json:"secret,omitempty"`

	// json.RawMessage: any JSON value decodes. worker/push/push.go getFirebaseClient uses
	// it when it is not empty, and falls back to the default client when Firebase
	// cannot read it.
	FCMCredentials json.RawMessage `json:"fcm_credentials"`
}

// grantModes: the cases of MakeOauthStartURL's switch (model/account/type.go); any other
// value answers "Wrong account type".
var grantModes = []string{
	"authorization_code", "authorization_code+secret", "token", "token_redirect_url",
	"bi_webauth", "bi_webauth+secret", "bi_webview", "bi_webview+secret", "secret",
}

// tokenModes: the values RequestAccessToken and RefreshAccount compare TokenAuthMode with
// (model/account/type.go); anything else acts as "form" (RefreshAccount's default case).
var tokenModes = []string{"", "form", "basic", "get"}

// urlFields: the fields the stack parses or sends as URLs (model/account/type.go:
// MakeOauthStartURL for auth_endpoint, RequestAccessToken and RefreshAccount for
// token_endpoint, MakeManageURL, MakeReconnectURL, RedirectURI for redirect_uri).
var urlFields = []string{
	"auth_endpoint", "token_endpoint", "redirect_uri", "manage_endpoint", "reconnect_endpoint",
}

// decodeAccountType: couchdb.GetDoc (pkg/couchdb/couchdb.go, makeRequest:
// json.NewDecoder(resp.Body).Decode) into an AccountType, called by account.TypeInfo. The
// bytes it decodes are what CouchDB stored: CouchDB accepts one JSON value only, so the
// file's bytes decoded with json.Unmarshal (which refuses trailing data) model the PUT
// and the GET together.
func decodeAccountType(text []byte) answer {
	var at accountType
	if err := json.Unmarshal(text, &at); err != nil {
		return answer{Error: err.Error(), Stage: "decode",
			Members: refusedMembers(text, accountTypeType)}
	}
	var fcm interface{}
	if len(at.FCMCredentials) > 0 {
		fcm = string(at.FCMCredentials)
	}
	fields := map[string]interface{}{
		"_id": at.DocID, "_rev": at.DocRev, "slug": at.Slug, "grant_mode": at.GrantMode,
		"client_id": at.ClientID, "client_secret": at.ClientSecret,
		"auth_endpoint": at.AuthEndpoint, "reconnect_endpoint": at.ReconnectEndpoint,
		"manage_endpoint": at.ManageEndpoint, "token_endpoint": at.TokenEndpoint,
		"token_mode": at.TokenAuthMode, "redirect_uri": at.RegisteredRedirectURI,
		"extras": at.ExtraAuthQuery, "skip_redirect_uri_on_authorize": at.SkipRedirectURI,
		"skip_state_on_token": at.SkipState, "secret": at.Secret, "fcm_credentials": fcm,
	}
	urls := map[string]urlAnswer{}
	for _, name := range urlFields {
		// The stack compares these fields with "" exactly (RedirectURI,
		// web/accounts/oauth.go redirect): " " is a URL it uses.
		if value := fields[name].(string); value != "" {
			urls[name] = parseURL(value)
		}
	}
	// FindAccountTypesBySlug (model/account/type.go): a Mango selector on the exact member
	// "slug" (CouchDB compares member names exactly, unlike encoding/json).
	var members map[string]interface{}
	_ = json.Unmarshal(text, &members)
	mangoSlug, _ := members["slug"].(string)
	checks := map[string]interface{}{
		"grant_mode_known": contains(grantModes, at.GrantMode),
		"token_mode_known": contains(tokenModes, at.TokenAuthMode),
		"mango_slug":       mangoSlug,
		// web/accounts/oauth.go redirect: `if accountType.TokenEndpoint == ""` the code is
		// handed to the konnector; otherwise RequestAccessToken posts to it.
		"token_exchange": at.TokenEndpoint != "",
		// RedirectURI: the registered value, used as is, when it is not "".
		"redirect_uri_registered": at.RegisteredRedirectURI != "",
		// worker/push/push.go getFirebaseClient: `len(typ.FCMCredentials) > 0`.
		"fcm_credentials_used": len(at.FCMCredentials) > 0,
	}
	return answer{OK: true, Fields: fields, URLs: urls, Checks: checks}
}

// checkAccountTypeID: what account.TypeInfo (model/account/type.go) accepts as the id it
// is given (`/accounts/:accountType/start`, web/accounts/oauth.go): not "", and
// couchdb.GetDoc's validateDocID (pkg/couchdb/couchdb.go) refuses an id starting with
// "_". The route's parameter is one path segment (web/accounts/oauth.go Routes).
func checkAccountTypeID(id string) answer {
	checks := map[string]interface{}{"path_segment": !strings.Contains(id, "/")}
	if id == "" {
		return answer{Error: "no account type id provided", Stage: "TypeInfo", Checks: checks}
	}
	if id[0] == '_' {
		return answer{Error: "invalid docid " + id, Stage: "validateDocID", Checks: checks}
	}
	return answer{OK: true, Checks: checks}
}
