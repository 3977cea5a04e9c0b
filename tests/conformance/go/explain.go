package main

// Which members make a decode fail: not something the stack computes (it only returns
// the first error), but the oracle's answer to "on which field?". Each top-level member
// is decoded alone into the Go type of the field encoding/json matches it to; a member
// that fails there fails the stack's decode too (type errors do not depend on what
// earlier members decoded), so kpack must report each one.

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

type member struct {
	key string
	raw json.RawMessage
}

type refusedMember struct {
	Key   string   `json:"key"`   // as in the document
	Field string   `json:"field"` // the json name of the field it decodes into
	Error string   `json:"error"`
	Path  []string `json:"path"` // inside the member: the first failing key or index
}

var (
	accountTypeType     = reflect.TypeOf(accountType{})
	konnManifestValType = reflect.TypeOf(konnManifestVal{})
	setType             = reflect.TypeOf(set{})
	ruleType            = reflect.TypeOf(rule{})
)

// members: the members of a JSON object in document order, duplicates kept, keys
// unquoted as encoding/json unquotes them (Token decodes strings with Decode).
func members(raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out, false
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return out, false
		}
		out = append(out, member{tok.(string), value})
	}
	return out, true
}

// jsonName: a struct field's name for encoding/json, "" when it is skipped.
func jsonName(f reflect.StructField) string {
	if f.PkgPath != "" {
		return "" // unexported
	}
	name := strings.Split(f.Tag.Get("json"), ",")[0]
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// fieldFor: the field encoding/json decodes member `key` into (decode.go, object): the
// field named exactly so, else the first whose name equals it under Unicode simple case
// folding (bytes.EqualFold).
func fieldFor(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded *reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		if name == key {
			return f, true
		}
		if folded == nil && bytes.EqualFold([]byte(name), []byte(key)) {
			folded = &f
		}
	}
	if folded != nil {
		return *folded, true
	}
	return reflect.StructField{}, false
}

func decodeInto(raw []byte, t reflect.Type) error {
	return json.Unmarshal(raw, reflect.New(t).Interface())
}

// refusedMembers: the top-level members of `raw` whose value the field's type refuses.
func refusedMembers(raw []byte, t reflect.Type) []refusedMember {
	list, _ := members(raw)
	var out []refusedMember
	for _, m := range list {
		f, ok := fieldFor(t, m.key)
		if !ok {
			continue
		}
		if err := decodeInto(m.raw, f.Type); err != nil {
			path := explain(m.raw, f.Type)
			if path == nil {
				path = []string{}
			}
			out = append(out, refusedMember{m.key, jsonName(f), err.Error(), path})
		}
	}
	return out
}

// explain: inside a value its type refuses, the key or index of the first part refused,
// recursively. nil when the value itself has the wrong shape.
func explain(raw []byte, t reflect.Type) []string {
	if t == setType {
		return explainSet(raw)
	}
	if _, custom := reflect.New(t).Interface().(json.Unmarshaler); custom {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		list, ok := members(raw)
		if !ok {
			return nil
		}
		for _, m := range list {
			inner := t
			if t.Kind() == reflect.Struct {
				f, ok := fieldFor(t, m.key)
				if !ok {
					continue
				}
				inner = f.Type
			} else {
				inner = t.Elem()
			}
			if decodeInto(m.raw, inner) != nil {
				return append([]string{m.key}, explain(m.raw, inner)...)
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, item := range items {
			if decodeInto(item, t.Elem()) != nil {
				return append([]string{strconv.Itoa(i)}, explain(item, t.Elem())...)
			}
		}
	}
	return nil
}

// explainSet: the first rule Set.UnmarshalJSON fails on, in its own order
// (model/permission/set.go).
func explainSet(raw []byte) []string {
	var raws map[string]json.RawMessage
	if json.Unmarshal(raw, &raws) != nil {
		return nil
	}
	titles, err := extractJSONKeys(raw)
	if err != nil {
		return nil
	}
	for _, title := range titles {
		if decodeInto(raws[title], ruleType) != nil {
			return append([]string{title}, explain(raws[title], ruleType)...)
		}
	}
	return nil
}

// lastMember: the key of the last member decoded into the field named `name`: the one
// whose value a replacing decoder (permission.Set) keeps.
func lastMember(raw []byte, t reflect.Type, name string) interface{} {
	list, _ := members(raw)
	var last interface{}
	for _, m := range list {
		if f, ok := fieldFor(t, m.key); ok && jsonName(f) == name {
			last = m.key
		}
	}
	return last
}

// jsonDocProblem: why JSONDoc.UnmarshalJSON refuses the document (pkg/couchdb/couchdb.go:
// a map of interface{}: not an object, or a number beyond float64 in any member,
// duplicates included), and where.
func jsonDocProblem(raw []byte) interface{} {
	var doc map[string]interface{}
	err := json.Unmarshal(raw, &doc)
	if err == nil {
		return nil
	}
	path := bigNumber(raw)
	if path == nil {
		path = []string{}
	}
	return map[string]interface{}{"error": err.Error(), "path": path}
}

// bigNumber: where, in document order, a number strconv.ParseFloat refuses (out of
// float64's range) sits; nil when there is none.
func bigNumber(raw []byte) []string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil
	}
	switch c := raw[0]; {
	case c == '{':
		list, _ := members(raw)
		for _, m := range list {
			if path := bigNumber(m.raw); path != nil {
				return append([]string{m.key}, path...)
			}
		}
	case c == '[':
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		for i, item := range items {
			if path := bigNumber(item); path != nil {
				return append([]string{strconv.Itoa(i)}, path...)
			}
		}
	case c == '-' || ('0' <= c && c <= '9'):
		if _, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64); err != nil {
			return []string{}
		}
	}
	return nil
}
