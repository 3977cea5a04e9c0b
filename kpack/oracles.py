"""Which program backs each rule: the oracle the conformance suite (tests/conformance)
runs, or the documented fact the rule replays when no program can be run. Each Rule gets
its line as `Rule.oracle`; docs/rules.md shows it. See docs/conformance.md."""

from __future__ import annotations

# Cite the stack's source, not the suite's files: a pip user has no tests/ (issue 20).
GO = ("Go oracle (kpack's conformance suite runs cozy-stack's decode path with Go's "
      "standard library): ")
GO_AT = ("Go oracle: cozy-stack `model/account/type.go` (`AccountType`) decoded with Go's "
         "encoding/json (checked by kpack's conformance suite)")
GO_MANIFEST = ("Go oracle: cozy-stack `model/app/konnector.go` (`KonnManifest`) decoded with "
               "Go's encoding/json (checked by kpack's conformance suite)")
NODE_DEV = ("Node oracle: strip-json-comments 3.1.1 + `JSON.parse`, as cozy-jobs-cli reads "
            "the file")
PUBLISH = "Node oracle: cozy-app-publish's own publisher (`--target registry`)"
FACT = "Documented fact, not executable: "
STRICTER = " kpack is deliberately stricter than both (see docs/conformance.md)."
SYNTAX = (GO + "`json.Unmarshal` (account types, manifests) and " + NODE_DEV + " (dev "
          "configs) agree.")

ORACLES: dict[str, str] = {
    "A001": GO_AT + ", compared with the grant modes its code switches on.",
    "A002": GO_AT + ", compared with the grant modes its code switches on.",
    "A003": GO_AT + ", compared with the token modes `RequestAccessToken` tests.",
    "A004": FACT + "the fields each grant mode's code path reads (cozy-stack "
                   "`model/account/type.go`, `web/accounts/oauth.go`).",
    "A005": FACT + "the OAuth redirect handler without `token_endpoint` (cozy-stack "
                   "`web/accounts/oauth.go`).",
    "A006": GO_AT + " (case folding, last duplicate wins); for `slug`, the exact-key Mango "
                    "query of `FindAccountTypesBySlug`, which the oracle replays.",
    "A007": GO_AT + ": an unknown key leaves the decoded struct unchanged (kpack warns).",
    "A008": GO_AT + ": its type errors.",
    "A009": GO + "net/url's `url.Parse`, plus an http(s) scheme and a host. Stricter on "
                 "purpose: surrounding whitespace, a port above 65535.",
    "A010": FACT + "codes, tokens and the client secret travel through these URLs.",
    "A011": FACT + "the callback route `/accounts/:accountType/redirect` and its \"bad "
                   "state\" check (cozy-stack `web/accounts/oauth.go`).",
    "A012": FACT + "\"using ?access_token with instance-less redirect\" (cozy-stack "
                   "`web/accounts/oauth.go`).",
    "A013": FACT + "the default redirect URI of `RedirectURI` (cozy-stack "
                   "`model/account/type.go`).",
    "A014": FACT + "the stack's security rules for account types; the Public Suffix List.",
    "A015": FACT + "`MakeOauthStartURL` adds `extras` after its own parameters (cozy-stack "
                   "`model/account/type.go`).",
    "A016": FACT + "documentation placeholders (a heuristic; `$VAR` is kpack's convention).",
    "A017": FACT + "`FindAccountTypesBySlug` and the context filter of the konnector worker "
                   "(cozy-stack).",
    "A018": FACT + "CouchDB keeps one document per id.",
    "A019": FACT + "`TypeInfo(id)` finds an account type by its id (cozy-stack); CouchDB "
                   "reserves `_` ids.",
    "A020": FACT + "the provider compares `redirect_uri` character for character with the "
                   "registered URL (RFC 6749 3.1.2); the stack's callback route has no "
                   "trailing slash (cozy-stack `web/accounts/oauth.go`).",
    "B001": FACT + "the stack's installer reads `manifest.konnector` at the root.",
    "B002": FACT + "the stack runs server-side konnectors as `node <folder>`.",
    "B003": FACT + "the registry and the home app read the icon the manifest names.",
    "B004": FACT + "the stack runs `on_delete_account` from the build.",
    "B005": FACT + "cozy-app-publish and the registry compare the versions.",
    "B006": FACT + "kpack's policy: a bundle never holds a credential.",
    "B007": FACT + "an archive entry outside the tree cannot be installed.",
    "B008": FACT + "tar cannot hold such files portably.",
    "B009": FACT + "case-insensitive file systems merge such paths.",
    "B010": FACT + "cozy-apps-registry refuses archives over 20 MiB.",
    "B011": FACT + "a warning below the registry's 20 MiB limit.",
    "B012": FACT + "the archive is named `<slug>-<version>.tar.gz`.",
    "B013": FACT + "a hard link shares its content with a file outside the bundle "
                   "(kpack's policy: say so).",
    "B014": FACT + "GNU tar warns on names that are not UTF-8 and a newline forges lines "
                   "in listings (kpack's policy: refuse).",
    "B015": FACT + "kpack's resource bounds on the bundle walk (docs/security.md).",
    "B016": FACT + "kpack's decompression-bomb bound on the uncompressed size "
                   "(docs/security.md).",
    "B017": FACT + "cozy-stack's `FetchManifest` reads the first `manifest.konnector` of "
                   "the archive.",
    "D001": NODE_DEV + " (syntax); the shape: documented fact (cozy-jobs-cli reads "
                       "`fields`).",
    "D002": FACT + "cozy-jobs-cli connects to `COZY_URL`.",
    "D003": FACT + "credentials travel to `COZY_URL`.",
    "D004": FACT + "the file holds live credentials (git itself is run by the tests).",
    "D005": FACT + "the konnector template git-ignores it.",
    "D006": FACT + "cozy-jobs-cli hands `COZY_PARAMETERS` to the konnector as an object.",
    "D007": FACT + "a placeholder token is useless to the konnector.",
    "D008": FACT + "the keys cozy-jobs-cli reads.",
    "L001": SYNTAX,
    "L002": SYNTAX + STRICTER,
    "L003": SYNTAX,
    "L004": SYNTAX,
    "L005": SYNTAX + STRICTER,
    "L006": SYNTAX,
    "L007": SYNTAX + STRICTER,
    "L008": FACT + "the size limits of the stack and the registry.",
    "L009": FACT + "YAML account types are kpack's own input (provisioned as JSON).",
    "L010": SYNTAX + STRICTER,
    "L011": FACT + "kpack's own reading of the file.",
    "L012": GO + "decoding a non-object into a struct fails; for dev configs kpack is "
                 "stricter than " + NODE_DEV + ".",
    "L013": FACT + "JSON cannot represent the value (YAML input).",
    "L014": FACT + "kpack's resource bounds on findings per document (docs/security.md).",
    "L015": "Go oracle: cozy-stack's `json.NewDecoder(...).Decode` of a manifest reads the "
            "first value and ignores the rest (a warning with --target stack; the registry's "
            "reading is not checked: an error there).",
    "M001": GO_MANIFEST + ", with `notifications` as `model/notification/notifications.go` "
            "(`Properties`).",
    "M002": PUBLISH + " needs a slug matching the registry's regexp; cozy-stack replaces the "
            "manifest's slug by the install slug (`model/app/installer.go`).",
    "M003": PUBLISH + " (type webapp or konnector); the stack refuses a webapp as a "
                      "konnector (documented fact).",
    "M004": PUBLISH + " needs a version; its format is the registry's regexp (documented "
                      "fact, cozy-apps-registry).",
    "M005": PUBLISH + ": \"Registry editor is missing\".",
    "M006": GO_MANIFEST + " (permission rules).",
    "M007": GO + "`CheckDoctypeName` (cozy-stack `model/permission/doctype.go`).",
    "M008": GO + "the permission verbs of cozy-stack `model/permission`.",
    "M009": FACT + "the keys of a permission rule (cozy-stack `model/permission`).",
    "M010": FACT + "the frequencies the stack's scheduler knows.",
    "M011": FACT + "the field types of the home app.",
    "M012": FACT + "the cozy-apps-registry README.",
    "M013": FACT + "the cozy-apps-registry README.",
    "M014": FACT + "cozy-harvest-lib reads `oauth` (not loadable in Node: "
                   "tests/conformance/test_scope_fact.py).",
    "M015": FACT + "cozy-harvest-lib `getOAuthUrl` (tests/conformance/test_scope_fact.py).",
    "M016": FACT + "cozy-harvest-lib `getOAuthUrl` joins the items.",
    "M017": FACT + "the keys of `oauth` cozy-harvest-lib reads.",
    "M018": FACT + "cozy-harvest-lib's account type name is an account-type id.",
    "M019": FACT + "the keys the stack, the registry and the home app read.",
    "M020": FACT + "the registry and the home app read `locales`.",
    "M021": FACT + "the home app renders `vendor_link` as an `href`: without a scheme the "
                   "browser reads it as a path on the Cozy instance (cozy-harvest-lib).",
    "M022": FACT + "the konnectors/template manifest's placeholders; the registry shows "
                   "`developer` and `source` as they are.",
    "X001": FACT + "cozy-harvest-lib names the account type `oauth.account_type` or the "
                   "slug.",
    "X002": FACT + "only a manifest with `oauth` starts an OAuth flow (cozy-harvest-lib).",
}
