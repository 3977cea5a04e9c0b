// What webpack (cozy-konnector-build) would emit as build/index.js for this connector.
const { BaseKonnector, saveFiles, log } = require('cozy-konnector-libs')

module.exports = new BaseKonnector(start)

async function start(fields) {
  // For an OAuth konnector the stack hands over the token obtained by the account type.
  const token = fields.access_token
  log('info', 'Fetching the list of documents')
  const documents = await listDocuments(token)
  await saveFiles(documents, fields, { contentType: 'application/pdf' })
}

async function listDocuments(token) {
  const response = await fetch('https://api.service.example/v1/documents', {
    headers: { Authorization: `Bearer ${token}` }
  })
  const body = await response.json()
  return body.documents.map(doc => ({ fileurl: doc.url, filename: `${doc.id}.pdf` }))
}
