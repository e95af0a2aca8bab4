"""The OASIS TAXII 2.1 client (taxii2-client, PyPI), unchanged, against a
running c5hub: discovery, the API root, collections, every page of
10,000 objects (as_pages), added_after, adding objects and their status.

Usage: client.py BASE_URL USER PASSWORD TOKEN INCIDENTS ADDED_AFTER LATER
  BASE_URL     the hub (http://127.0.0.1:PORT)
  USER, PASSWORD  a member's user (HTTP Basic)
  TOKEN        a bearer token of a member who may submit
  INCIDENTS    incidents readable in collection "all" (5 objects each)
  ADDED_AFTER  a time after all but LATER of them were stored
  LATER        how many were stored after ADDED_AFTER
Exits 0 when every check holds; prints what failed otherwise.
"""

import sys

import requests
from taxii2client.common import TokenAuth
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages


def check(cond, what):
    if not cond:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)


def main():
    base, user, password, token, incidents, added_after, later = sys.argv[1:8]
    incidents, later = int(incidents), int(later)

    server = Server(base + "/taxii2/", user=user, password=password)
    check(server.title.startswith("c5hub"), "discovery title: %r" % server.title)
    check(len(server.api_roots) == 1, "one API root: %r" % server.api_roots)
    root = server.api_roots[0]
    check(root.url == base + "/taxii2/api1/", "API root URL: %s" % root.url)
    check("application/taxii+json;version=2.1" in root.versions, "versions: %r" % root.versions)
    check(root.max_content_length > 0, "max_content_length")
    ids = [c.id for c in root.collections]
    for want in ("all", "tlp-clear", "tlp-green", "tlp-amber", "tlp-red", "rsit-fraud"):
        check(want in ids, "collection %s in %r" % (want, ids))

    everything = [c for c in root.collections if c.id == "all"][0]
    check(everything.can_read, "all is readable")

    # Every page of the collection, 1,000 objects a page.
    seen = []
    pages = 0
    for envelope in as_pages(everything.get_objects, per_request=1000):
        pages += 1
        seen.extend(envelope.get("objects", []))
    check(len(seen) == incidents * 5, "objects: %d, want %d" % (len(seen), incidents * 5))
    check(pages >= 10, "pages: %d" % pages)
    incident_ids = [o["id"] for o in seen if o["type"] == "incident"]
    check(len(incident_ids) == incidents, "incident objects: %d" % len(incident_ids))
    check(len(set(incident_ids)) == incidents, "an incident object repeated")

    # added_after and a match filter.
    newer = everything.get_objects(added_after=added_after, type="incident")
    check(len(newer.get("objects", [])) == later, "added_after: %r" % newer)

    # Adding objects with a bearer token: a status, kept by the server.
    writer = Collection(everything.url, auth=TokenAuth(token))
    check(writer.can_write, "a reporter writes to all")
    posted = {
        "type": "incident",
        "spec_version": "2.1",
        "id": "incident--6a2c4a3e-5b43-4a0e-9c8e-2d6f0b7a9c11",
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": "posted by taxii2-client",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
    }
    status = writer.add_objects({"objects": [posted]})
    check(status.status == "complete", "status: %r" % status.status)
    check(status.total_count == 1 and status.success_count == 1, "counts: %r" % status)
    again = ApiRoot(root.url, auth=TokenAuth(token)).get_status(status.id)
    check(again.id == status.id and again.success_count == 1, "status read back")
    names = [
        o.get("name")
        for env in as_pages(everything.get_objects, per_request=1000, type="incident")
        for o in env.get("objects", [])
    ]
    check("posted by taxii2-client" in names, "the added incident is served")
    got = everything.get_object(posted["id"])
    check(got["objects"] == [posted], "served back unchanged: %r" % got)
    versions = everything.object_versions(posted["id"])
    check(versions["versions"] == [posted["modified"]], "versions: %r" % versions)
    manifest = everything.get_manifest(id=posted["id"])
    check(manifest["objects"][0]["version"] == posted["modified"], "manifest: %r" % manifest)

    # A wrong password is refused.
    try:
        Server(base + "/taxii2/", user=user, password=password + "x").title
        check(False, "a wrong password is refused")
    except requests.exceptions.HTTPError as e:
        check(e.response.status_code == 401, "401 for a wrong password: %s" % e)
    print("taxii2-client: %d objects in %d pages, added_after, add_objects and status: ok" % (len(seen), pages))


if __name__ == "__main__":
    main()
