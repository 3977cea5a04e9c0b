"""Account-type provisioning: payloads (curl, http, json) and a safe upsert into CouchDB."""
