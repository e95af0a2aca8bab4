//! The OpenAPI 3 document, generated from the route table.

use axum::Json;
use serde_json::{Map, Value, json};

use super::ROUTES;

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// The document.
pub(crate) fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in ROUTES {
        let mut params: Vec<Value> = path_params(r.path)
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        params.extend(r.query.iter().map(|(name, d)| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": "string"}})));
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method, r.path.trim_start_matches("/api/v1/").replace(['/', '{', '}'], "_")),
            "tags": [r.tag],
            "parameters": params,
            "responses": {
                r.ok.to_string(): {"description": "success", "content": if r.ok == 204 { json!({}) } else { json!({"application/json": {"schema": {}}}) }},
                "400": {"$ref": "#/components/responses/Problem"},
                "401": {"$ref": "#/components/responses/Problem"},
                "403": {"$ref": "#/components/responses/Problem"},
                "404": {"$ref": "#/components/responses/Problem"},
            },
        });
        if !r.body.is_empty() {
            let content: Map<String, Value> = r
                .body
                .iter()
                .map(|m| ((*m).to_owned(), json!({"schema": {}})))
                .collect();
            op["requestBody"] = json!({"required": true, "content": content});
            op["responses"]["413"] = json!({"$ref": "#/components/responses/Problem"});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.0.3",
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
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "string"}, "detail": {"type": "string"}}}},
                    },
                },
            },
        },
    })
}

pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}
