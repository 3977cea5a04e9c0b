package main

// `oracle -schema`: the oracle's own structs, read by reflection, so that the tests
// generate documents from the stack's data model and not from kpack's idea of it.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// stackNames: the stack's name for each type of the oracle (the file each follows is
// named where the type is declared).
var stackNames = map[reflect.Type]string{
	reflect.TypeOf(accountType{}):     "account.AccountType",
	reflect.TypeOf(konnManifestVal{}): "app.KonnManifest.val",
	reflect.TypeOf(manifestType{}):    "app.Installer.ReadManifest.newAppType",
	reflect.TypeOf(state("")):         "app.State",
	reflect.TypeOf(stackTime{}):       "time.Time",
	reflect.TypeOf(terms{}):           "app.Terms",
	reflect.TypeOf(properties{}):      "notification.Properties",
	reflect.TypeOf(notifications{}):   "app.Notifications",
	reflect.TypeOf(set{}):             "permission.Set",
	reflect.TypeOf(rule{}):            "permission.Rule",
	reflect.TypeOf(verbSet{}):         "permission.VerbSet",
}

var (
	rawMessageType = reflect.TypeOf(json.RawMessage{})
	stackTimeType  = reflect.TypeOf(stackTime{})
	verbSetType    = reflect.TypeOf(verbSet{})
)

// describe: a type as JSON. "kind" is the JSON the type's decoder accepts: "string",
// "bool", "integer" (int64: a JSON number without fraction or exponent), "any",
// "object" (a map: "elem"), "array" ("elem"), "struct" ("fields"), and the custom
// decoders: "raw" (json.RawMessage: any JSON), "time" (an RFC 3339 string),
// "set" (permission.Set: an object of rules, "elem"), "verbs" (permission.VerbSet).
func describe(t reflect.Type) map[string]interface{} {
	name, ok := stackNames[t]
	if !ok {
		name = strings.ReplaceAll(t.String(), "interface {}", "interface{}")
	}
	d := map[string]interface{}{"go": name}
	switch {
	case t == rawMessageType:
		d["kind"] = "raw"
	case t == stackTimeType:
		d["kind"] = "time"
	case t == setType:
		d["kind"], d["elem"] = "set", describe(ruleType)
	case t == verbSetType:
		d["kind"] = "verbs"
	case reflect.PtrTo(t).Implements(reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()):
		panic(fmt.Sprintf("oracle: describe the JSON %s's UnmarshalJSON accepts", t))
	case t.Kind() == reflect.String:
		d["kind"] = "string"
	case t.Kind() == reflect.Bool:
		d["kind"] = "bool"
	case t.Kind() == reflect.Int64:
		d["kind"] = "integer"
	case t.Kind() == reflect.Interface:
		d["kind"] = "any"
	case t.Kind() == reflect.Map:
		d["kind"], d["elem"] = "object", describe(t.Elem())
	case t.Kind() == reflect.Slice:
		d["kind"], d["elem"] = "array", describe(t.Elem())
	case t.Kind() == reflect.Struct:
		d["kind"], d["fields"] = "struct", describeFields(t)
	default:
		panic(fmt.Sprintf("oracle: no JSON kind for %s", t))
	}
	return d
}

func describeFields(t reflect.Type) []interface{} {
	fields := []interface{}{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		fields = append(fields, map[string]interface{}{
			"name": f.Name, "json": name, "tag": f.Tag.Get("json"),
			"omitempty": strings.Contains(f.Tag.Get("json"), ",omitempty"),
			"type":      describe(f.Type),
		})
	}
	return fields
}

func schema() map[string]interface{} {
	return map[string]interface{}{
		"stack_commit": StackCommit,
		"roots": map[string]interface{}{
			"account-type":  describe(accountTypeType),
			"manifest":      describe(konnManifestValType),
			"manifest-type": describe(reflect.TypeOf(manifestType{})),
		},
		"enums": map[string]interface{}{
			"grant_mode":        grantModes,
			"token_mode":        tokenModes[1:], // "" is the absent value
			"verbs":             verbs,
			"refused_app_types": []string{"webapp"},
		},
		"url_fields":         urlFields,
		"manifest_max_bytes": manifestMaxSize,
		"slug_pattern":       slugReg.String(),
	}
}
