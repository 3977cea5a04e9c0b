"""The rules `kpack build` applies to what goes into a bundle (codes B001-B017)."""

from __future__ import annotations

from kpack.diagnostics import Kind, Severity
from kpack.rulebook import define

E, W = Severity.ERROR, Severity.WARNING

MISSING_MANIFEST = define(
    "B001", "bundle-missing-manifest", E, None,
    "`manifest.konnector` is not at the root of the bundle.",
    """
    The registry reads the first `manifest.konnector` of the archive (after stripping one
    common top folder) and `cozy-stack konnectors install <slug> file://<dir>` reads
    `<dir>/manifest.konnector`. Without it at the root the bundle cannot be installed nor
    published. Check that the webpack build copies it into `build/`, or point `--from` at
    the folder that holds it.
    """,
)

MISSING_ENTRY = define(
    "B002", "bundle-missing-entry", E, None,
    "The file that runs the konnector (`index.js`, package.json's `main`, or `main.js` for a "
    "client-side konnector) is not in the bundle.",
    """
    cozy-stack runs a server-side konnector by handing its folder to Node.js (`node
    <folder>`), which starts the file `package.json`'s `main` names (Node.js tries `main`,
    `main.js`, `main/index.js`...) and else `index.js` (cozy-stack
    `scripts/konnector-node-run.sh`; Node.js's module resolution). A client-side konnector
    (`"clientSide": true`) is never run by the stack: the flagship app runs the `main.js`
    that cozy-konnector-build's clisk webpack config writes (konnectors/libs
    `packages/cozy-konnector-build/webpack.config.clisk.js`); published build branches of
    client-side konnectors hold exactly `icon.svg main.js manifest.konnector`. A bundle
    without its entry file installs fine and fails at the first run. Run the webpack build
    (`yarn build`) before `kpack build`.
    """,
)

MISSING_ICON = define(
    "B003", "bundle-missing-icon", E, Kind.MANIFEST,
    "The icon the manifest names is not in the bundle.",
    """
    The registry silently skips a missing icon, and the home app then shows a generic
    one: nobody is told. The `icon` field is a path inside the bundle (the template's
    webpack build copies it from `assets/`).
    """,
)

MISSING_ON_DELETE = define(
    "B004", "bundle-missing-on-delete-script", E, Kind.MANIFEST,
    "The `on_delete_account` script the manifest names is not in the bundle.",
    """
    cozy-stack runs the `on_delete_account` script when a user removes an account, so the
    konnector can revoke tokens or clean up at the provider. When the file is not in the
    bundle, that job fails and the clean-up never happens.
    """,
)

VERSION_MISMATCH = define(
    "B005", "bundle-version-mismatch", E, Kind.MANIFEST,
    "`package.json`'s version differs from the manifest's on major.minor.patch.",
    """
    When both files are in the bundle, their versions must agree on major.minor.patch
    (a `-dev.<sha>` or `-beta.<n>` suffix on the manifest's is fine). A mismatch usually
    means a stale build or a release bumped in one place only, and the version the registry
    shows is not the one running.
    """,
)

SECRET = define(
    "B006", "bundle-secret", E, None,
    "A secret would be shipped in the bundle.",
    """
    Bundles are public: the registry serves them to anyone. kpack scans every file that goes
    in for the literal secret values of the repository's account types (`client_secret`,
    `secret`) and dev config (`konnector-dev-config.json`, `.token.json`), for the current
    values of the environment variables their placeholders (`$VAR`, `${VAR}`) name, and for
    well-known token shapes (GitHub, AWS, Slack, npm, Stripe, private key blocks, signed
    JWTs). Binary files (a NUL byte in their first 8,000 bytes, as git tells them) are
    searched for the literal values only: a token shape in compressed bytes is chance.
    Values that are placeholders (`<ACCESS_TOKEN>`, `changeme`, `xxxxxxxx`, `12345678`:
    the test D007 applies) are not secrets and are not looked for.
    The report names the file and the line, never the secret.

    Remove the value from the file (read it from the account or the environment at run
    time) and revoke it: it may already be in a published version. When a hit is a known
    false positive, `--allow-secret PATH` allows hits in that one bundled file, and the
    `allow-secrets` setting (`.kpack.yaml`, or the `kpack` key of `package.json`) allows
    them in every bundled path its gitignore-style globs match: 2017-era connectors
    commit `node_modules`, whose packages ship public test keys
    (`replay/test/ssl/privatekey.pem`); `allow-secrets: ["node_modules/**/test/**"]`
    allows them all. A hit under `node_modules/` says so: a webpack build bundles what
    the konnector needs, so the folder itself rarely belongs in a bundle.
    """,
)

UNSAFE_SYMLINK = define(
    "B007", "bundle-unsafe-symlink", E, None,
    "A symbolic link leads outside the bundled tree, nowhere, or into a loop.",
    """
    Links inside the tree are bundled as the files they point to. A link that leads outside
    (to `~/.ssh`, to the connector's dev config, to `/etc`) would copy whatever it points
    at into a public archive, and a dangling or looping link cannot be bundled at all.
    Replace the link with the file, or list it in `.kpackignore`.
    """,
)

SPECIAL_FILE = define(
    "B008", "bundle-special-file", E, None,
    "A FIFO, socket, device or unreadable file is in the bundled tree.",
    """
    Only regular files and folders can go into a bundle: reading a FIFO blocks, a device
    has no meaningful content, and an unreadable file cannot be packed. Remove it or list
    it in `.kpackignore`.
    """,
)

CASE_COLLISION = define(
    "B009", "bundle-case-collision", E, None,
    "Two paths differ only by letter case (or Unicode normalisation).",
    """
    On case-insensitive file systems (macOS, Windows) and in some extractors `Icon.svg` and
    `icon.svg` are the same file: one silently overwrites the other and which one wins
    depends on the order of the archive. Rename one of them.
    """,
)

TOO_LARGE = define(
    "B010", "bundle-too-large", E, None,
    "The bundle is over the registry's 20 MiB limit.",
    """
    The apps registry refuses archives over 20 MiB. Check what goes in with
    `kpack build --list`: source maps, test fixtures and `node_modules` are the usual
    culprits; leave them out with `.kpackignore`.
    """,
)

LARGE = define(
    "B011", "bundle-large", W, None,
    "The bundle is over 10 MiB.",
    """
    Half of the registry's 20 MiB limit: every instance downloads and unpacks the bundle on
    each install and update. Check what goes in with `kpack build --list`.
    """,
)

UNNAMEABLE = define(
    "B012", "bundle-unnameable", E, Kind.MANIFEST,
    "The manifest's `slug` or `version` cannot name the archive.",
    """
    The archive is named `<slug>-<version>.tar.gz` from the manifest. A slug outside
    `^[a-z0-9-]+$` or a version the registry refuses would give a file name that is wrong
    or unsafe, so kpack stops (the manifest rules say more about the field).
    """,
)

HARD_LINK = define(
    "B013", "bundle-hard-link", W, None,
    "A bundled file has hard links that are not in the bundle.",
    """
    A file with several hard links (`st_nlink` above 1) is one file under several names.
    When some of those names are not in the bundled tree, the file may well be something
    from elsewhere on the machine (`ln ~/.ssh/id_rsa build/key`): its content is shipped
    as if it were part of the build, and a later change to the other name changes the
    bundle. kpack counts the links it finds in the tree against the file's link count
    (`os.stat`, POSIX) and warns. Copy the file into the tree (`cp`, not `ln`), or list it
    in `.kpackignore`. Package managers that share files through hard links (pnpm's store)
    trigger this warning for `node_modules`: bundle the webpack build instead.
    """,
)

BAD_FILE_NAME = define(
    "B014", "bundle-bad-file-name", E, None,
    "A file name holds a newline, a control character or bytes that are not UTF-8.",
    """
    Tar archives store names as bytes, and the registry, cozy-stack and the shells that
    handle a bundle read them as UTF-8 text. A name that is not valid UTF-8 makes GNU tar
    warn about `hdrcharset` and is extracted differently on each system; a newline or
    another control character (U+0000-U+001F, U+007F-U+009F, U+2028, U+2029) forges lines
    in `kpack build --list`, in the summary and in every tool that prints file names one a
    line, and can rewrite a terminal. kpack refuses such names (the report shows them with
    escapes). Rename the file, or list it in `.kpackignore`.
    """,
)

WALK_LIMIT = define(
    "B015", "bundle-walk-limit", E, None,
    "The bundled tree has too many files and folders, or is nested too deep.",
    """
    kpack walks the bundled tree before reading anything, and stops at 100,000 files and
    folders or 64 nested folders (a connector's webpack build has a few dozen files), so a
    hostile or mistaken tree (a `node_modules` of a million files, a folder nested
    thousands deep) cannot keep a build or a pre-commit hook running for hours. Leave the
    extra folders out with `.kpackignore`, or bundle the webpack build (`build/`).
    """,
)

CONTENT_TOO_LARGE = define(
    "B016", "bundle-content-too-large", E, None,
    "The files to bundle are over 200 MiB uncompressed, or one is a sparse file.",
    """
    kpack adds up the sizes the file system reports (`st_size`) before reading anything
    and refuses a bundle over 200 MiB uncompressed: ten times the registry's 20 MiB limit
    for the compressed archive, more than any connector needs. Without this bound a 30 GiB
    sparse file would be read and compressed in full before the archive's size is known,
    and a 2 GiB file of zeros compresses to a 2 MiB archive that every instance unpacks to
    2 GiB (a decompression bomb). A file that occupies far less disk space than its length
    (`st_blocks` below an eighth of `st_size`, from 1 MiB on: a sparse file, mostly holes,
    or a file system's own compression) gets a warning under this code: build tools do not
    write sparse files. Leave such files out with `.kpackignore`.
    """,
)

NESTED_MANIFEST = define(
    "B017", "bundle-nested-manifest", E, None,
    "A `manifest.konnector` is in a subfolder of the bundle.",
    """
    cozy-stack installs an archive by reading the first regular file named
    `manifest.konnector` it meets and taking that file's folder as the konnector's root
    (`model/app/fetcher_http.go`, `FetchManifest`); the registry also reads the first one.
    A second manifest in a subfolder (a copied example, a test fixture, a vendored
    konnector) met first would make the stack install that folder, with that manifest's
    permissions. kpack always writes the root `manifest.konnector` as the archive's first
    entry, and refuses a nested one: remove it, or leave it out with `.kpackignore`.
    """,
)
