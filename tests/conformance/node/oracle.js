'use strict'
// kpack's Node conformance oracle (tests/conformance). Reads JSON lines
//   {"kind": "dev-config" | "publish", "data": "<the file's bytes, base64>"}
// and answers one JSON line each:
//   dev-config: how cozy-jobs-cli reads konnector-dev-config.json. Its loader
//     (cozy-jobs-cli/src/init-konnector-config.js) is
//       JSON.parse(stripJsonComments(fs.readFileSync(configPath, 'utf8')))
//     and cannot be required alone (the package pulls cozy-client, cozy-konnector-libs,
//     pollyjs...; its module also creates a config file when none exists): the same two
//     calls are made here with the strip-json-comments version it pins (3.1.1).
//   publish: cozy-app-publish's own publisher (src/publisher.js, with its manifest reader
//     src/utils/getManifestAsObject.js and prepublish checks) run on a build folder holding
//     the manifest, against a registry and a build URL served here on 127.0.0.1.
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')
const readline = require('readline')

// cozy-app-publish logs with console.*: keep stdout for the answers.
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n')
console.log = console.info = console.warn = console.error = toStderr

// The packages pinned in tests/node/package.json (beside pouchdb-server).
const { createRequire } = require('module')
const pinned = createRequire(path.join(__dirname, '..', '..', 'node', 'package.json'))
const stripJsonComments = pinned('strip-json-comments')
const publisher = pinned('cozy-app-publish/src/publisher')
const getManifestAsObject = pinned('cozy-app-publish/src/utils/getManifestAsObject')

function devConfig(text) {
  try {
    return { ok: true, value: JSON.parse(stripJsonComments(text)) }
  } catch (error) {
    return { ok: false, error: String(error.message) }
  }
}

function startServer() {
  const posted = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', chunk => (body += chunk))
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/gzip' })
        res.end(Buffer.from('build archive'))
        return
      }
      posted.push({ path: req.url, body: JSON.parse(body), auth: req.headers.authorization })
      res.writeHead(201, { 'Content-Type': 'application/json' })
      res.end('{}')
    })
  })
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve({ server, posted }))
  )
}

async function publish(text, base, posted) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpack-publish-'))
  try {
    fs.writeFileSync(path.join(dir, 'manifest.konnector'), text)
    posted.length = 0
    const run = publisher({
      getManifest: () => getManifestAsObject(dir),
      // manual mode without a git tag nor --manual-version: the manifest's version
      getAppVersion: async ctx => ctx.appManifestObj.version,
      getAppBuildURL: () => `${base}/build.tar.gz`
    })
    await run({ registryUrl: base, registryToken: 'token', yes: true })
    return { ok: true, posted: posted[0] || null }
  } catch (error) {
    return { ok: false, error: String(error.message) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function main() {
  const { server, posted } = await startServer()
  const base = `http://127.0.0.1:${server.address().port}`
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line) continue
    const request = JSON.parse(line)
    const text = Buffer.from(request.data, 'base64').toString('utf8')
    let answer
    if (request.kind === 'dev-config') answer = devConfig(text)
    else if (request.kind === 'publish') answer = await publish(text, base, posted)
    else throw new Error(`unknown kind ${request.kind}`)
    process.stdout.write(JSON.stringify(answer) + '\n')
  }
  server.close()
}

main().catch(error => {
  process.stderr.write(`oracle: ${error.stack}\n`)
  process.exit(2)
})
