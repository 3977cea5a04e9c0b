"""`--format curl`: a POSIX sh script that upserts the documents with curl.

What the script does, and why:
- `set -eu`: stop at the first failure or unset variable.
- Placeholders become shell references read when the script runs, JSON-escaped by a small
  sed pipeline (backslash, double quote, tab, CR, newline; other control characters are
  refused), so any value — quotes, `$`, backslashes, newlines, non-ASCII — lands intact.
- Credentials come from COUCHDB_USER/COUCHDB_PASSWORD at run time and reach curl through
  a private (umask 077) config file: never on a command line, where `ps` would show them.
  Bodies go through stdin for the same reason.
- Creates the database when missing (412 means it exists), reads each document's current
  revision with `_all_docs?key=` (the answer holds no document, so a sed match on
  `"value":{"rev":"…"}` cannot be fooled by field values) and writes with `?rev=`: a second
  run updates instead of failing with 409. A 409 means someone changed the document between
  the read and the write: the script stops rather than overwrite it blindly.
Needs only sh, curl, sed and tr.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from kpack.provision.env import Var
from kpack.provision.payload import DATABASE, json_parts


def sh_quote(text: str) -> str:
    """One sh word holding exactly `text`."""
    return "'" + text.replace("'", "'\\''") + "'"


def url_segment(text: str) -> str:
    return quote(text, safe="")


_PRELUDE = r"""set -eu
LC_ALL=C
export LC_ALL

kpack_url=${COUCHDB_URL:-}
[ -n "$kpack_url" ] || kpack_url=__DEFAULT_URL__
kpack_db="${kpack_url%/}/__DATABASE__"
kpack_nl='
'

kpack_fail() {
  case $kpack_status in
    401) kpack_hint=' (set COUCHDB_USER and COUCHDB_PASSWORD)' ;;
    409) kpack_hint=' (changed by someone else meanwhile: run the script again)' ;;
    *) kpack_hint= ;;
  esac
  printf 'kpack: %s: HTTP %s%s: %s\n' "$1" "$kpack_status" "$kpack_hint" "$kpack_body" >&2
  exit 1
}

# kpack_request METHOD URL [curl options]: sets kpack_status and kpack_body.
kpack_request() {
  kpack_method=$1
  kpack_target=$2
  shift 2
  kpack_answer=$(curl -sS -K "$kpack_cfg" -X "$kpack_method" \
    -w "${kpack_nl}%{http_code}" "$@" "$kpack_target") || {
    kpack_code=$?
    echo "kpack: $kpack_method request failed: cannot reach CouchDB (curl exit $kpack_code)" >&2
    exit 1
  }
  kpack_status=${kpack_answer##*"$kpack_nl"}
  kpack_body=${kpack_answer%"$kpack_nl"*}
}

# kpack_json NAME VALUE: VALUE as the inside of a JSON string.
kpack_json() {
  kpack_escaped=$(printf '%s\n' "$2" | sed -e 's/[\\"]/\\&/g' -e "s/$(printf '\t')/\\\\t/g" \
    -e "s/$(printf '\r')/\\\\r/g" -e '$!s/$/\\n/' | tr -d '\n')
  case $kpack_escaped in
    *[[:cntrl:]]*)
      echo "kpack: $1 holds a control character that cannot go into JSON" >&2
      exit 1 ;;
  esac
  printf '%s' "$kpack_escaped"
}

kpack_cfg_escape() {
  printf '%s' "$1" | sed 's/[\\"]/\\&/g'
}

# Credentials for curl, in a file only this user can read (not on the command line).
umask 077
kpack_cfg="${TMPDIR:-/tmp}/kpack-curl.$$"
(set -C; : > "$kpack_cfg")
trap 'rm -f "$kpack_cfg"' EXIT
trap 'exit 1' HUP INT TERM
if [ -n "${COUCHDB_USER:-}" ]; then
  printf 'user = "%s:%s"\n' "$(kpack_cfg_escape "$COUCHDB_USER")" \
    "$(kpack_cfg_escape "${COUCHDB_PASSWORD:-}")" > "$kpack_cfg"
fi
"""


def render_curl(
    documents: list[tuple[str, dict[str, object], list[str]]], variables: list[str],
    default_url: str,
) -> str:
    """`documents`: (id, body with Templates, masked field names) in order."""
    count = len(documents)
    lines = [
        "#!/bin/sh",
        f"# kpack provision: upsert {count} account type{'s' if count != 1 else ''} into the "
        f"CouchDB database {DATABASE}.",
        "# Run it with sh; it needs curl, sed and tr. Read from the environment when it runs:",
        f"#   COUCHDB_URL  (default: {default_url})",
        "#   COUCHDB_USER, COUCHDB_PASSWORD  (CouchDB admin credentials, when needed)",
    ]
    if variables:
        lines.append(f"#   {', '.join(variables)}  (the placeholders' values)")
    prelude = _PRELUDE.replace("__DEFAULT_URL__", sh_quote(default_url))
    prelude = prelude.replace("__DATABASE__", url_segment(DATABASE))
    lines.append(prelude.rstrip("\n"))
    if variables:
        lines += [
            "",
            "# Every placeholder must be set (an empty value is allowed).",
            "kpack_missing=",
            f"for kpack_name in {' '.join(variables)}; do",
            '  eval "[ -n \\"\\${$kpack_name+set}\\" ]" ||'
            ' kpack_missing="$kpack_missing $kpack_name"',
            "done",
            'if [ -n "$kpack_missing" ]; then',
            '  echo "kpack: environment variables not set:$kpack_missing" >&2',
            "  exit 1",
            "fi",
        ]
        lines += [f'kpack_v_{name}=$(kpack_json {name} "${name}")' for name in variables]
    lines += [
        "",
        'kpack_request PUT "$kpack_db"',
        "case $kpack_status in",
        "  201|202|412) ;;  # created, or already there",
        '  *) kpack_fail "cannot create the database" ;;',
        "esac",
    ]
    for doc_id, body, masked in documents:
        key = url_segment(json.dumps(doc_id, ensure_ascii=False))
        lines += ["", f"# --- {json.dumps(doc_id, ensure_ascii=False)} ---"]
        for field in masked:
            lines.append(
                f"# {field} is masked: this document will not work as printed "
                "(write it as a $VAR placeholder, or use --reveal-secrets)"
            )
        lines += [
            f'kpack_request GET "$kpack_db/_all_docs?key={key}"',
            f'[ "$kpack_status" = 200 ] || kpack_fail {sh_quote("cannot read " + doc_id)}',
            "kpack_rev=$(printf '%s' \"$kpack_body\" | "
            "sed -n 's/.*\"value\":{\"rev\":\"\\([^\"]*\\)\".*/\\1/p')",
            "kpack_doc=" + _sh_json(body),
            f'kpack_request PUT "$kpack_db/{url_segment(doc_id)}'
            '${kpack_rev:+?rev=$kpack_rev}" \\',
            "  -H 'Content-Type: application/json' --data-binary @- <<kpack_EOF",
            "$kpack_doc",
            "kpack_EOF",
            "case $kpack_status in",
            "  201|202) if [ -n \"$kpack_rev\" ]; then echo "
            f"{sh_quote('updated ' + doc_id)}; else echo {sh_quote('created ' + doc_id)}; fi ;;",
            f"  *) kpack_fail {sh_quote('cannot write ' + doc_id)} ;;",
            "esac",
        ]
    return "\n".join(lines) + "\n"


def _sh_json(body: dict[str, object]) -> str:
    """The document's JSON as one sh word: literal text single-quoted, placeholders as the
    escaped run-time values (`"$kpack_v_NAME"`)."""
    words = []
    for part in json_parts(body):
        if isinstance(part, Var):
            words.append(f'"$kpack_v_{part.name}"')
        else:
            words.append(sh_quote(part))
    return "".join(words)
