//! Integrators build against `web/openapi.yaml` (published as `/openapi.yaml`),
//! so it must not drift from the API: it describes exactly the routes the
//! API serves, names every operation once, answers errors as RFC 9457
//! problems, holds no dangling `$ref`, and says which routes take a bearer
//! token. A route added or secured without updating the document fails here.

use std::collections::BTreeSet;

use serde_yaml::Value;

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/openapi.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("web/openapi.yaml")).expect("valid YAML")
}

/// One operation of the document: `METHOD /path` and its definition.
struct Operation<'a> {
    method: String,
    path: String,
    definition: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn operations(document: &Value) -> Vec<Operation<'_>> {
    let paths = document["paths"].as_mapping().expect("paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().expect("paths are strings");
        let item = item
            .as_mapping()
            .unwrap_or_else(|| panic!("{path} is not a path item"));
        for (method, definition) in item {
            // A path item also holds `parameters`, `summary`, ...
            let Some(method) = method.as_str().filter(|m| HTTP_METHODS.contains(m)) else {
                continue;
            };
            operations.push(Operation {
                method: method.to_uppercase(),
                path: path.to_owned(),
                definition,
            });
        }
    }
    operations
}

/// A response's key as text: `'404'` or an unquoted `404`.
fn status_code(key: &Value) -> String {
    match key {
        Value::String(status) => status.clone(),
        Value::Number(status) => status.to_string(),
        other => panic!("response key {other:?} is not a status code"),
    }
}

/// What a local reference such as `#/components/schemas/Ticket` points at.
fn target<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix("#/")?;
    pointer.split('/').try_fold(document, |node, segment| {
        node.get(segment.replace("~1", "/").replace("~0", "~").as_str())
    })
}

/// `node` itself, or what it refers to if it is a `$ref`.
fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => {
            target(document, reference).unwrap_or_else(|| panic!("{reference} does not resolve"))
        }
        None => node,
    }
}

/// Every `$ref` under `node`, wherever it is.
fn references(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Mapping(mapping) => {
            for (key, value) in mapping {
                if key.as_str() == Some("$ref") {
                    let reference = value
                        .as_str()
                        .unwrap_or_else(|| panic!("$ref {value:?} is not a string"));
                    found.push(reference.to_owned());
                }
                references(value, found);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                references(item, found);
            }
        }
        Value::Tagged(tagged) => references(&tagged.value, found),
        _ => {}
    }
}

/// The security requirements that apply to an operation: its own, else the
/// document's. Empty means anyone may call it.
fn security<'a>(document: &'a Value, operation: &'a Value) -> &'a [Value] {
    let declared = match operation.get("security") {
        Some(own) => own,
        None => &document["security"],
    };
    declared.as_sequence().map(Vec::as_slice).unwrap_or_default()
}

/// Routes whose handler authenticates the caller with a bearer token.
/// `POST /account/email/confirm` is the exception under `/account`: it works
/// from the emailed link alone (functions/account).
fn requires_bearer(method: &str, path: &str) -> bool {
    let signed_in_area = ["/tickets", "/account", "/admin", "/agent"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    let link_only = method == "POST" && path == "/account/email/confirm";
    (signed_in_area && !link_only) || (method == "POST" && path == "/announcements")
}

#[test]
fn the_document_describes_exactly_the_routes_served() {
    let served: BTreeSet<(String, String)> = servicedesk::routes::routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    let document = document();
    let documented: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .map(|operation| (operation.method, operation.path))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "routes missing from web/openapi.yaml: {undocumented:?}; documented but not served: {unserved:?}"
    );
}

#[test]
fn every_operation_is_named_once_and_answers_errors_as_problems() {
    let document = document();
    let mut ids = BTreeSet::new();
    for operation in operations(&document) {
        let name = operation.name();
        let id = operation.definition["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no operationId"));
        assert!(
            ids.insert(id.to_owned()),
            "{name}: operationId {id} is used twice"
        );

        let responses = operation.definition["responses"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{name} lists no responses"));
        let responses: Vec<(String, &Value)> = responses
            .iter()
            .map(|(status, response)| (status_code(status), response))
            .collect();
        // Only reads that take no input at all cannot be refused.
        let takes_no_input = matches!(name.as_str(), "GET /guest/challenge" | "GET /announcements");
        assert!(
            takes_no_input || responses.iter().any(|(status, _)| status.starts_with('4')),
            "{name} lists no 4xx answer"
        );
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let content_types: Vec<&str> = resolve(&document, response)["content"]
                .as_mapping()
                .map(|content| content.iter().filter_map(|(t, _)| t.as_str()).collect())
                .unwrap_or_default();
            assert_eq!(
                content_types,
                ["application/problem+json"],
                "{name} {status}: errors are application/problem+json documents"
            );
        }
    }
}

#[test]
fn every_reference_resolves_to_a_component() {
    let document = document();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty(), "the document uses no $ref at all");
    let dangling: BTreeSet<&String> = found
        .iter()
        .filter(|r| !r.starts_with("#/components/") || target(&document, r).is_none())
        .collect();
    assert!(dangling.is_empty(), "references to no component: {dangling:?}");
}

#[test]
fn routes_that_authenticate_declare_their_scheme_and_the_others_none() {
    let document = document();
    let scheme = &document["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"].as_str(), Some("http"));
    assert_eq!(scheme["scheme"].as_str(), Some("bearer"));

    let mut wrong = Vec::new();
    let mut authenticated = 0;
    for operation in operations(&document) {
        let requirements = security(&document, operation.definition);
        let accepts_bearer = requirements.iter().any(|r| !r["bearerAuth"].is_null());
        let allows_anonymous = requirements.is_empty()
            || requirements
                .iter()
                .any(|r| r.as_mapping().is_some_and(|m| m.is_empty()));
        if operation.path.starts_with("/access/") {
            // The access key, in its own scheme (never in the URL).
            let only_access_key = requirements.len() == 1 && !requirements[0]["accessKey"].is_null();
            if !only_access_key {
                wrong.push(format!("{} must declare accessKey only", operation.name()));
            }
        } else if requires_bearer(&operation.method, &operation.path) {
            authenticated += 1;
            if !accepts_bearer || allows_anonymous {
                wrong.push(format!("{} must declare bearerAuth", operation.name()));
            }
        } else if !requirements.is_empty() {
            wrong.push(format!("{} is public: declare `security: []`", operation.name()));
        }
    }
    assert!(
        authenticated > 10,
        "only {authenticated} authenticated operations"
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_kind_of_problem_the_code_answers_is_documented() {
    use servicedesk_shared::Error;
    let doc = document();
    let documented: Vec<&str> = doc["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
        .as_sequence()
        .expect("the problem types are listed")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let errors = [
        Error::invalid("f", "m"),
        Error::Incorrect {
            field: "f".into(),
            message: "m".into(),
            reason: None,
        },
        Error::TooManyRequests {
            message: "m".into(),
            retry_after: 1,
        },
        Error::BadRequest("m".into()),
        Error::PayloadTooLarge { limit: 1 },
        Error::UnsupportedMediaType,
        Error::Unauthenticated("m".into()),
        Error::Forbidden("m".into()),
        Error::NotFound("x"),
        Error::Conflict("m".into()),
        Error::Unavailable("m".into()),
        Error::Internal("m".into()),
    ];
    for error in errors {
        let problem = error.to_problem();
        assert!(
            documented.contains(&problem.problem_type.as_str()),
            "{} is not documented",
            problem.problem_type
        );
    }
    // Refused by the portal before any handler (as API Gateway would).
    for slug in ["uri-too-long", "headers-too-large"] {
        assert!(
            documented.contains(&format!("https://servicedesk.dev/problems/{slug}").as_str()),
            "{slug}"
        );
    }
}

/// The lists `export const NAME = ["a", "b"];` of web/vocabulary.js.
fn web_vocabulary() -> std::collections::BTreeMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/vocabulary.js");
    let text = std::fs::read_to_string(path).expect("web/vocabulary.js");
    text.lines()
        .filter_map(|line| line.strip_prefix("export const "))
        .filter_map(|line| line.split_once(" = ["))
        .map(|(name, rest)| {
            let words = rest
                .trim_end_matches("];")
                .split(',')
                .map(|word| word.trim().trim_matches('"').to_owned())
                .collect();
            (name.to_owned(), words)
        })
        .collect()
}

#[test]
fn the_web_forms_offer_the_apis_words() {
    use servicedesk_shared::domain::{Priority, RequestType, Status, Visibility};
    fn parses<T: serde::de::DeserializeOwned>(word: &str) -> bool {
        serde_json::from_value::<T>(serde_json::Value::from(word)).is_ok()
    }
    let document = document();
    let vocabulary = web_vocabulary();
    let schemas = &document["components"]["schemas"];
    let set = |words: &[String]| words.iter().cloned().collect::<BTreeSet<_>>();
    for (list, schema, domain) in [
        ("STATUSES", "Status", parses::<Status> as fn(&str) -> bool),
        ("PRIORITIES", "Priority", parses::<Priority>),
        ("REQUEST_TYPES", "RequestType", parses::<RequestType>),
        ("VISIBILITIES", "Visibility", parses::<Visibility>),
    ] {
        let words = vocabulary
            .get(list)
            .unwrap_or_else(|| panic!("web/vocabulary.js has no {list}"));
        let documented: BTreeSet<String> = schemas[schema]["enum"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{schema} is an enum"))
            .iter()
            .map(|word| word.as_str().unwrap().to_owned())
            .collect();
        // Every word once, all of the API's, none the API does not know.
        assert_eq!(words.len(), set(words).len(), "{list} repeats a word");
        assert_eq!(set(words), documented, "{list} (web) and {schema} (API)");
        for word in words {
            assert!(domain(word), "{list}: {word} is not a {schema} of the domain");
        }
    }
    // A guest picks among some request types only.
    let categories = &vocabulary["GUEST_CATEGORIES"];
    assert!(!categories.is_empty());
    for word in categories {
        assert!(parses::<RequestType>(word), "GUEST_CATEGORIES: {word}");
    }
}
