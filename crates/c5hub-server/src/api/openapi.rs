//! The OpenAPI 3.1 document, generated from the route table: each route's
//! request body and answer name their `c5hub_wire` type, whose schema
//! utoipa derives, so the document describes what the handlers return.

use axum::Json;
use serde_json::{Map, Value, json};
use utoipa::openapi::{RefOr, schema::Schema};

use super::{ROUTES, Shape};

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// A schema as JSON (utoipa's types serialise to the document's JSON).
fn to_json(s: &RefOr<Schema>) -> Value {
    serde_json::to_value(s).unwrap_or_else(|_| json!({}))
}

/// The `content` of a body or an answer of this shape; `None` when it has
/// none.
fn content(shape: Shape, components: &mut Vec<(String, RefOr<Schema>)>) -> Option<Value> {
    let document = |m: &str| {
        if m.ends_with("json") {
            json!({"schema": {"type": "object", "description": "a document: RFC 8727 IODEF JSON, a STIX 2.1 bundle, or the native JSON (c5hub-formats)"}})
        } else {
            json!({"schema": {"type": "string", "description": "a document in this media type"}})
        }
    };
    Some(match shape {
        Shape::None => return None,
        Shape::Json(f) => json!({"application/json": {"schema": to_json(&f(components))}}),
        Shape::JsonOr(f, others) => {
            let mut m = Map::new();
            m.insert(
                "application/json".to_owned(),
                json!({"schema": to_json(&f(components))}),
            );
            for o in others {
                m.insert((*o).to_owned(), json!({"schema": {"type": "string"}}));
            }
            Value::Object(m)
        }
        Shape::Documents(media) => media
            .iter()
            .map(|m| ((*m).to_owned(), document(m)))
            .collect::<Map<_, _>>()
            .into(),
        Shape::Exported => c5hub_formats::encoders()
            .map(|f| {
                // A media type's parameters (charset) are not part of its
                // name in `content`.
                let m = f.media_type.split(';').next().unwrap_or_default().trim();
                (m.to_owned(), document(m))
            })
            .collect::<Map<_, _>>()
            .into(),
    })
}

/// The document.
pub(crate) fn document() -> Value {
    let mut components: Vec<(String, RefOr<Schema>)> = Vec::new();
    let problem = super::typed::<c5hub_wire::Problem>(&mut components);
    let mut paths: Map<String, Value> = Map::new();
    for r in ROUTES {
        let mut params: Vec<Value> = path_params(r.path)
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        params.extend(r.query.iter().map(|(name, d)| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": "string"}})));
        let mut ok = json!({"description": "success"});
        if let Some(c) = content(r.answer, &mut components) {
            ok["content"] = c;
        }
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}'], "_")),
            "tags": [r.tag],
            "parameters": params,
            "responses": {
                r.ok.to_string(): ok,
                "400": {"$ref": "#/components/responses/Problem"},
                "401": {"$ref": "#/components/responses/Problem"},
                "403": {"$ref": "#/components/responses/Problem"},
                "404": {"$ref": "#/components/responses/Problem"},
                // A failure of the hub itself, or a hub shutting down.
                "500": {"$ref": "#/components/responses/Problem"},
                "503": {"$ref": "#/components/responses/Problem"},
            },
        });
        if let Some(c) = content(r.body, &mut components) {
            op["requestBody"] = json!({"required": true, "content": c});
            op["responses"]["413"] = json!({"$ref": "#/components/responses/Problem"});
            op["responses"]["422"] = json!({"$ref": "#/components/responses/Problem"});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    let schemas: Map<String, Value> = components
        .iter()
        .map(|(name, s)| (name.clone(), to_json(s)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "c5hub API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The c5hub cooperation hub: incidents (IODEF v2 / ITU-T X.1541), correlation, workflow, countering spam (ITU-T X.1240 series) and administration. Every read applies TLP 2.0 for the caller's organisation. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "an API token (c5h_...)"},
            },
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": to_json(&problem)}},
                },
            },
            "schemas": schemas,
        },
    })
}

pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}
