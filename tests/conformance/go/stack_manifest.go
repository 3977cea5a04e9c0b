package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"time"
)

// manifestMaxSize: app.ManifestMaxSize (model/app/apps.go), 2 << (2 * 10) bytes.
const manifestMaxSize = 2 << (2 * 10)

// slugReg: the stack's slug regexp (model/app/installer.go). It is checked on the slug
// of the install request (initManifest), never on the manifest's own `slug`.
var slugReg = regexp.MustCompile(`^[a-z0-9\-]+$`)

// state follows app.State (model/app/apps.go): a string type.
type state string

// stackTime is time.Time as the stack's Go decodes it. Time.UnmarshalJSON (Go 1.25, the
// stack's go.mod): null leaves it as it was; anything but a JSON string is refused
// ("Time.UnmarshalJSON: input is not a JSON string"); the bytes between the quotes,
// escapes not decoded, must parse with time.Parse(time.RFC3339, ...) (the strict RFC 3339
// checks of parseStrictRFC3339 are disabled there, golang/go#54580). Since Go 1.23,
// Parse also refuses a zone offset above 24 hours or 60 minutes: checked here, as the
// machine's Go may be older.
type stackTime struct{ time.Time }

var zoneOffset = regexp.MustCompile(`[+-]([0-9]{2}):([0-9]{2})$`)

// UnmarshalJSON follows Time.UnmarshalJSON of Go 1.25 (golang/go src/time/time.go).
func (t *stackTime) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errors.New("Time.UnmarshalJSON: input is not a JSON string")
	}
	text := string(data[1 : len(data)-1])
	parsed, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return err
	}
	if zone := zoneOffset.FindStringSubmatch(text); zone != nil {
		hours, _ := strconv.Atoi(zone[1])
		minutes, _ := strconv.Atoi(zone[2])
		if hours > 24 || minutes > 60 {
			return errors.New("parsing time " + strconv.Quote(text) + ": time zone offset out of range")
		}
	}
	t.Time = parsed
	return nil
}

// terms follows app.Terms (model/app/webapp.go).
type terms struct {
	URL     string `json:"url"`
	Version string `json:"version"`
}

// properties follows notification.Properties (model/notification/notifications.go).
type properties struct {
	Description     string            `json:"description,omitempty"`
	Collapsible     bool              `json:"collapsible,omitempty"`
	Multiple        bool              `json:"multiple,omitempty"`
	Stateful        bool              `json:"stateful,omitempty"`
	DefaultPriority string            `json:"default_priority,omitempty"`
	TimeToLive      time.Duration     `json:"time_to_live,omitempty"`
	Templates       map[string]string `json:"templates,omitempty"`
	MinInterval     time.Duration     `json:"min_interval,omitempty"`

	MailTemplate string `json:"-"`
}

// notifications follows app.Notifications (model/app/webapp.go).
type notifications map[string]properties

// konnManifestVal follows the `val` struct of app.KonnManifest (model/app/konnector.go):
// the manifest's typed fields.
type konnManifestVal struct {
	Slug             string                 `json:"slug"`
	Source           string                 `json:"source"`
	State            state                  `json:"state"`
	Version          string                 `json:"version"`
	AvailableVersion string                 `json:"available_version"`
	Checksum         string                 `json:"checksum"`
	Parameters       map[string]interface{} `json:"parameters"`
	CreatedAt        stackTime              `json:"created_at"`
	UpdatedAt        stackTime              `json:"updated_at"`
	Err              string                 `json:"error"`

	Name            string `json:"name"`
	Icon            string `json:"icon"`
	Language        string `json:"language"`
	ClientSide      bool   `json:"clientSide"`
	OnDeleteAccount string `json:"on_delete_account"`

	Permissions   set           `json:"permissions"`
	Terms         terms         `json:"terms"`
	Notifications notifications `json:"notifications"`
}

// jsonDoc follows couchdb.JSONDoc (pkg/couchdb/couchdb.go): the whole document as a map.
type jsonDoc struct {
	M    map[string]interface{}
	Type string
}

// UnmarshalJSON follows JSONDoc.UnmarshalJSON (pkg/couchdb/couchdb.go): json.Unmarshal
// into the map (numbers are float64: one beyond its range, anywhere, fails), then
// `_type` taken out.
func (j *jsonDoc) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &j.M); err != nil {
		return err
	}
	if doctype, ok := j.M["_type"].(string); ok {
		j.Type = doctype
	}
	delete(j.M, "_type")
	return nil
}

// konnManifest follows app.KonnManifest (model/app/konnector.go).
type konnManifest struct {
	doc   *jsonDoc
	val   konnManifestVal
	stage string // which of the two decodes failed (the oracle's note, not the stack's)
}

// UnmarshalJSON follows KonnManifest.UnmarshalJSON (model/app/konnector.go): the same
// bytes decoded twice, into the JSONDoc map and into the typed fields.
func (m *konnManifest) UnmarshalJSON(j []byte) error {
	if err := json.Unmarshal(j, &m.doc); err != nil {
		m.stage = "jsondoc"
		return err
	}
	if err := json.Unmarshal(j, &m.val); err != nil {
		m.stage = "typed"
		return err
	}
	return nil
}

// manifestType follows the anonymous struct of Installer.ReadManifest
// (model/app/installer.go) that reads `type` on its own.
type manifestType struct {
	AppType string `json:"type"`
}

// readManifest follows Installer.ReadManifest (model/app/installer.go) installing a
// konnector, with KonnManifest.ReadManifest (model/app/konnector.go) inside:
//  1. json.NewDecoder(io.LimitReader(tee, ManifestMaxSize)).Decode: the first JSON value
//     only, data after it is not read; a value cut by the 2 MiB limit fails.
//  2. SetID on the decoded JSONDoc (a `null` manifest leaves it nil: a nil dereference).
//  3. The slug is replaced by the install slug; `source` by the source URL.
//  4. CheckDoctypeName(rule.Type, true) on each rule of the permission set.
//  5. json.Unmarshal of the bytes the decoder read (the tee's buffer) into {type}: only
//     "webapp" is refused; when that decode fails (trailing data read along, a `type` of
//     another JSON type), the type is not checked at all.
func readManifest(data []byte) answer {
	var buf bytes.Buffer
	tee := io.TeeReader(bytes.NewReader(data), &buf)
	decoder := json.NewDecoder(io.LimitReader(tee, manifestMaxSize))
	var m konnManifest
	err := decoder.Decode(&m)
	end := int(decoder.InputOffset())
	// JSON whitespace only: the decoder stops after the value, whatever follows.
	checks := map[string]interface{}{
		"trailing_data": len(bytes.Trim(data[min(end, len(data)):], " \t\r\n")) > 0,
	}
	if err != nil {
		stage := m.stage
		if stage == "" {
			stage = "syntax"
		}
		checks["jsondoc"] = jsonDocProblem(data[:min(end, len(data))])
		return answer{Error: "Application manifest is invalid or malformed (" + err.Error() + ")",
			Stage: stage, Members: refusedMembers(data[:min(end, len(data))], konnManifestValType),
			Checks: checks}
	}
	if m.doc == nil {
		return answer{Error: "the manifest is null: SetID dereferences a nil JSONDoc",
			Stage: "nil-doc", Checks: checks}
	}
	fields := map[string]interface{}{
		"slug": m.val.Slug, "source": m.val.Source, "version": m.val.Version,
		"name": m.val.Name, "icon": m.val.Icon, "language": m.val.Language,
		"on_delete_account": m.val.OnDeleteAccount, "clientSide": m.val.ClientSide,
		"state": string(m.val.State), "available_version": m.val.AvailableVersion,
		"checksum": m.val.Checksum, "error": m.val.Err,
	}
	rules := []interface{}{}
	refusal := ""
	for _, r := range m.val.Permissions {
		problem := checkDoctypeName(r.Type, true)
		rules = append(rules, map[string]interface{}{"title": r.Title, "type": r.Type, "problem": problem})
		if problem != "" && refusal == "" {
			refusal = r.Title + ": " + r.Type + " is not a valid doctype name (" + problem + ")"
		}
	}
	checks["rules"] = rules
	checks["permissions_member"] = lastMember(data[:end], konnManifestValType, "permissions")
	var newAppType manifestType
	typeErr := json.Unmarshal(buf.Bytes(), &newAppType)
	checks["type_read"] = typeErr == nil
	checks["type"] = newAppType.AppType
	checks["manifest_slug_matches"] = slugReg.MatchString(m.val.Slug)
	ans := answer{OK: true, Fields: fields, Checks: checks}
	if refusal != "" {
		ans.OK, ans.Error, ans.Stage = false, refusal, "doctype"
	} else if typeErr == nil && newAppType.AppType == "webapp" {
		ans.OK, ans.Stage = false, "type"
		ans.Error = "Manifest type is not valid for a konnector. Maybe you want to install a webapp?"
	}
	return ans
}
