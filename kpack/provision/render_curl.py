"""`--format curl`: a POSIX sh script that upserts the documents with curl.

What the script does, and why:
- `set -eu`: stop at the first failure or unset variable.
- Every value from the files (ids, keys, field values, the default URL, messages) enters the
  script through one function, `sh_quote`: a single-quoted sh word, as code, never inside a
  comment (comments hold fixed text and placeholder names only). A NUL, which sh cannot
  carry, is refused when the script is printed.
- Placeholders become shell references read when the script runs, JSON-escaped by a small
  sed pipeline (backslash, double quote, tab, CR, newline; other control characters are
  refused), so any value — quotes, `$`, backslashes, newlines, non-ASCII — lands intact.
  The script's own variables all start with `kpack_`: a placeholder with that prefix, or
  named like a variable sh sets itself (`IFS`, `PWD`...), is refused (it could not read
  the caller's value).
- What the script prints when it runs holds no control character: ids are printed as
  kpack prints them (`kpack_shown`: `kpack.escape.printable`, the report's escaping,
  computed when the script is printed), and of CouchDB's answer only the status and an
  `error` token kpack knows (`couch.KNOWN_ERRORS`), never its free text.
- A script printed with a masked secret (`********`) refuses to run: it writes nothing
  rather than store the mask over the real secret.
- Credentials come from COUCHDB_USER/COUCHDB_PASSWORD at run time and reach curl through
  a config file created fresh (checked: a new, empty regular file) in a private folder
  (`umask 077; mktemp -d`), removed on every exit (EXIT, HUP, INT, TERM): never on a
  command line, where `ps` would show them. Bodies go through stdin for the same reason.
- Creates the database when missing (412 means it exists), reads each document's current
  revision with `_all_docs?key=` (the answer holds no document, so a sed match on
  `"value":{"rev":"…"}` cannot be fooled by field values) and writes with `?rev=`: a second
  run updates instead of failing with 409. A 409 means someone changed the document between
  the read and the write: the script stops rather than overwrite it blindly.
Needs only sh, curl, sed, tr and mktemp.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from kpack.escape import printable
from kpack.provision.env import ProvisionError, Var
from kpack.provision.payload import DATABASE, json_parts
from kpack.provision.scrub import KNOWN_ERRORS

RESERVED_PREFIX = "kpack_"
# Variables sh (dash, bash as sh, busybox) sets or resets itself, and the one the script
# sets: as placeholders they would not read the caller's value.
SHELL_VARIABLES = frozenset({
    "_", "IFS", "LINENO", "OPTARG", "OPTIND", "PPID", "PS1", "PS2", "PS3", "PS4", "PWD",
    "OLDPWD", "SHLVL", "RANDOM", "SRANDOM", "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME",
    "UID", "EUID", "GROUPS", "HOSTNAME", "HOSTTYPE", "MACHTYPE", "OSTYPE", "PIPESTATUS",
    "FUNCNAME", "HISTCMD", "BASHPID", "BASHOPTS", "SHELLOPTS", "LC_ALL",
})


def sh_quote(text: str) -> str:
    """One sh word holding exactly `text`: the only way a value enters the script."""
    if "\0" in text:
        raise ProvisionError(
            "a value holds a NUL character (U+0000), which a sh script cannot carry: "
            "use --format json or --apply"
        )
    return "'" + text.replace("'", "'\\''") + "'"


def url_segment(text: str) -> str:
    """A path segment or query value, percent-encoded: only [A-Za-z0-9_.~-] stay as is."""
    return quote(text, safe="")


def check_placeholder_names(variables: list[str]) -> None:
    for name in variables:
        if name.startswith(RESERVED_PREFIX):
            raise ProvisionError(
                f"placeholder ${name}: names starting with {RESERVED_PREFIX} are the curl "
                "script's own variables; rename it (or use --format json or --apply)"
            )
        if name in SHELL_VARIABLES:
            raise ProvisionError(
                f"placeholder ${name}: sh sets this variable itself, so the script could not "
                "read your value; rename it (or use --format json or --apply)"
            )


_FUNCTIONS = r"""set -eu
LC_ALL=C
export LC_ALL

kpack_url=${COUCHDB_URL:-}
[ -n "$kpack_url" ] || kpack_url=$kpack_default_url
kpack_db="${kpack_url%/}/__DATABASE__"
kpack_nl='
'
kpack_ctl=$(printf '\001\002\003\004\005\006\007\010\011\013\014\015\016\017\020')
kpack_ctl=$kpack_ctl$(printf '\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037')
kpack_status=
kpack_body=

# kpack_fail WHAT: the status and CouchDB's error token when it is a known one; never the
# answer's free text, which may quote the request (credentials, secrets) or hold escapes.
kpack_fail() {
  case $kpack_status in
    401) kpack_hint=' (set COUCHDB_USER and COUCHDB_PASSWORD)' ;;
    409) kpack_hint=' (changed by someone else meanwhile: run the script again)' ;;
    *) kpack_hint= ;;
  esac
  kpack_error=$(printf '%s\n' "$kpack_body" | tr -d '\n' |
    sed -n 's/.*"error" *: *"\([a-z_]*\)".*/\1/p')
  case $kpack_error in
    __KNOWN_ERRORS__) kpack_error=" $kpack_error" ;;
    *) kpack_error= ;;
  esac
  printf 'kpack: %s: HTTP %s%s%s\n' "$1" "$kpack_status" "$kpack_error" "$kpack_hint" >&2
  exit 1
}

# kpack_say WHAT: "created <id>" or "updated <id>" on stdout, the id as kpack prints it
# (control, bidi and line-separator characters escaped: kpack_shown).
kpack_say() {
  printf '%s %s\n' "$1" "$kpack_shown"
}

# kpack_masked FIELD...: the script holds masked secrets; it stops before writing anything.
kpack_masked() {
  for kpack_field in "$@"; do
    printf 'kpack: %s is masked in this script (********)\n' "$kpack_field" >&2
  done
  printf '%s\n' 'kpack: refusing to run: it would store the mask over the real secret.' \
    'Print the script again with the secret as a $VAR placeholder, or with --reveal-secrets.' >&2
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
    printf 'kpack: %s request failed: cannot reach CouchDB (curl exit %s)\n' \
      "$kpack_method" "$kpack_code" >&2
    exit 1
  }
  kpack_status=${kpack_answer##*"$kpack_nl"}
  kpack_body=${kpack_answer%"$kpack_nl"*}
}

# kpack_json NAME VALUE: VALUE as the inside of a JSON string (also a curl config string).
kpack_json() {
  kpack_escaped=$(printf '%s\n' "$2" | sed -e 's/[\\"]/\\&/g' -e "s/$(printf '\t')/\\\\t/g" \
    -e "s/$(printf '\r')/\\\\r/g" -e '$!s/$/\\n/' | tr -d '\n')
  case $kpack_escaped in
    *["$kpack_ctl"]*)
      printf 'kpack: %s holds a control character that cannot go into JSON\n' "$1" >&2
      exit 1 ;;
  esac
  printf '%s' "$kpack_escaped"
}
"""

_CREDENTIALS = r"""
# Credentials for curl: a fresh file in a private folder (never on the command line),
# removed on every exit.
umask 077
kpack_dir=
kpack_cleanup() {
  if [ -n "$kpack_dir" ]; then rm -rf "$kpack_dir"; fi
}
trap kpack_cleanup EXIT
trap 'kpack_cleanup; trap - EXIT; exit 129' HUP
trap 'kpack_cleanup; trap - EXIT; exit 130' INT
trap 'kpack_cleanup; trap - EXIT; exit 143' TERM
kpack_dir=$(mktemp -d "${TMPDIR:-/tmp}/kpack.XXXXXXXXXX") || {
  echo 'kpack: cannot create a private temporary folder (mktemp -d)' >&2
  exit 1
}
kpack_cfg=$kpack_dir/curl.cfg
if [ ! -d "$kpack_dir" ] || [ -L "$kpack_dir" ] || [ -e "$kpack_cfg" ] || [ -L "$kpack_cfg" ]
then
  echo 'kpack: the private temporary folder is not new and empty: refusing to use it' >&2
  exit 1
fi
(set -C; : > "$kpack_cfg")
if [ ! -f "$kpack_cfg" ] || [ -L "$kpack_cfg" ] || [ -s "$kpack_cfg" ]; then
  echo 'kpack: the credentials file is not a fresh regular file: refusing to use it' >&2
  exit 1
fi
if [ -n "${COUCHDB_USER:-}" ]; then
  kpack_user=$(kpack_json COUCHDB_USER "$COUCHDB_USER")
  kpack_password=$(kpack_json COUCHDB_PASSWORD "${COUCHDB_PASSWORD:-}")
  printf 'user = "%s:%s"\n' "$kpack_user" "$kpack_password" > "$kpack_cfg"
  kpack_password=
fi
"""


def render_curl(
    documents: list[tuple[str, dict[str, object], list[str]]], variables: list[str],
    default_url: str,
) -> str:
    """`documents`: (id, body with Templates, masked field names) in order."""
    check_placeholder_names(variables)
    count = len(documents)
    lines = [
        "#!/bin/sh",
        f"# kpack provision: upsert {count} account type{'s' if count != 1 else ''} into the "
        f"CouchDB database {DATABASE}.",
        "# Run it with sh; it needs curl, sed, tr and mktemp. Read from the environment when "
        "it runs:",
        "#   COUCHDB_URL  (default: kpack_default_url below)",
        "#   COUCHDB_USER, COUCHDB_PASSWORD  (CouchDB admin credentials, when needed)",
    ]
    if variables:
        lines.append(f"#   {', '.join(variables)}  (the placeholders' values)")
    lines.append("# Values from the files are sh single-quoted words, never in comments.")
    lines.append("kpack_default_url=" + sh_quote(default_url))
    functions = _FUNCTIONS.replace("__DATABASE__", url_segment(DATABASE))
    functions = functions.replace("__KNOWN_ERRORS__", "|".join(sorted(KNOWN_ERRORS)))
    lines.append(functions.rstrip("\n"))
    masked = [field for _, _, fields in documents for field in fields]  # "id: key"
    if masked:
        lines += [
            "",
            "# Masked secrets: this script refuses to run (it would store the mask).",
            "kpack_masked " + " ".join(sh_quote(printable(field)) for field in masked),
        ]
    lines.append(_CREDENTIALS.rstrip("\n"))
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
            '  printf \'kpack: environment variables not set:%s\\n\' "$kpack_missing" >&2',
            "  exit 1",
            "fi",
        ]
        lines += [f'kpack_v_{name}=$(kpack_json {name} "${name}")' for name in variables]
    lines += [
        "",
        'kpack_request PUT "$kpack_db"',
        "case $kpack_status in",
        "  201|202|412) ;;  # created, or already there",
        "  *) kpack_fail 'cannot create the database' ;;",
        "esac",
    ]
    for number, (doc_id, body, _) in enumerate(documents, 1):
        key = url_segment(json.dumps(doc_id, ensure_ascii=False))
        lines += [
            "",
            f"# --- document {number} of {count} ---",
            "kpack_shown=" + sh_quote(printable(doc_id)),
            'kpack_request GET "$kpack_db"' + sh_quote(f"/_all_docs?key={key}"),
            '[ "$kpack_status" = 200 ] || kpack_fail "cannot read $kpack_shown"',
            "kpack_rev=$(printf '%s' \"$kpack_body\" | "
            "sed -n 's/.*\"value\":{\"rev\":\"\\([^\"]*\\)\".*/\\1/p')",
            "kpack_doc=" + _sh_json(body),
            'kpack_request PUT "$kpack_db"' + sh_quote("/" + url_segment(doc_id))
            + '"${kpack_rev:+?rev=$kpack_rev}" \\',
            "  -H 'Content-Type: application/json' --data-binary @- <<kpack_EOF",
            "$kpack_doc",
            "kpack_EOF",
            "case $kpack_status in",
            '  201|202) if [ -n "$kpack_rev" ]; then kpack_say updated; '
            "else kpack_say created; fi ;;",
            '  *) kpack_fail "cannot write $kpack_shown" ;;',
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
