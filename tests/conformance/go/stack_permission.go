package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// errBadScope: permission.ErrBadScope (model/permission/errors.go).
var errBadScope = errors.New("Permission scope is empty or malformed")

// verbs: the verbs VerbSet.UnmarshalJSON accepts (model/permission/verbs.go), "ALL" last.
var verbs = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "ALL"}

// verbSet follows permission.VerbSet (model/permission/verbs.go).
type verbSet map[string]struct{}

// UnmarshalJSON follows VerbSet.UnmarshalJSON (model/permission/verbs.go): an array of
// strings; "ALL" anywhere returns at once (the empty set means all verbs) and skips the
// check of the others; otherwise each must be one of the five verbs, else ErrBadScope.
func (vs *verbSet) UnmarshalJSON(b []byte) error {
	*vs = make(verbSet)
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, v := range s {
		if v == "ALL" {
			return nil
		}
	}
	for _, v := range s {
		switch v {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
			(*vs)[v] = struct{}{}
		default:
			return errBadScope
		}
	}
	return nil
}

// rule follows permission.Rule (model/permission/rule.go).
type rule struct {
	Type        string   `json:"type"`
	Title       string   `json:"-"`
	Description string   `json:"description,omitempty"`
	Verbs       verbSet  `json:"verbs,omitempty"`
	Selector    string   `json:"selector,omitempty"`
	Values      []string `json:"values,omitempty"`
}

// set follows permission.Set (model/permission/set.go): an ordered slice of rules.
type set []rule

// UnmarshalJSON follows Set.UnmarshalJSON (model/permission/set.go): it *replaces* the
// set (`*s = make(Set, 0)`), so of several members Go matches to `permissions` the last
// one wins. The rules come from a map of raw values (exact keys, the last duplicate
// wins) in the order extractJSONKeys gives.
func (s *set) UnmarshalJSON(j []byte) error {
	var raws map[string]json.RawMessage
	if err := json.Unmarshal(j, &raws); err != nil {
		return err
	}
	titles, err := extractJSONKeys(j)
	if err != nil {
		return err
	}
	*s = make(set, 0)
	for _, title := range titles {
		var r rule
		if err := json.Unmarshal(raws[title], &r); err != nil {
			return err
		}
		r.Title = title
		*s = append(*s, r)
	}
	return nil
}

// extractJSONKeys follows the stack's function of that name (model/permission/set.go):
// every string token at depth 1 of the object — its keys, and also any string value
// sitting directly in an array at that depth — duplicates included.
func extractJSONKeys(j []byte) ([]string, error) {
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(j))
	depth := 0
	for {
		t, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if t == json.Delim('{') {
			depth++
		} else if t == json.Delim('}') {
			depth--
		} else if depth == 1 {
			if k, ok := t.(string); ok {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// checkDoctypeName follows CheckDoctypeName(doctype, authorizeWildcard) of
// model/permission/doctype.go; "" when the name is valid, else why not.
func checkDoctypeName(doctype string, authorizeWildcard bool) string {
	if len(doctype) == 0 {
		return "empty doctype"
	}
	if authorizeWildcard && strings.HasSuffix(doctype, ".*") { // isWildcard
		// Wildcards on too large domains are not allowed
		if strings.Count(doctype, ".") < 3 {
			return "wildcard on a too short doctype"
		}
		doctype = strings.TrimSuffix(doctype, ".*") // TrimWildcard
	}
	for _, c := range doctype {
		if unicode.IsLower(c) || unicode.IsDigit(c) || c == '.' || c == '_' {
			continue
		}
		return fmt.Sprintf("invalid character %q", c)
	}
	if doctype[0] == '.' || doctype[len(doctype)-1] == '.' {
		return "a dot at the start or the end"
	}
	if strings.Contains(doctype, "..") {
		return "two dots side by side"
	}
	return ""
}
