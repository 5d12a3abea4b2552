//! JSON Schemas per object type: the ones this project writes for the Flux
//! kinds and the core kinds the rules read (`schemas/`, embedded in the
//! binary), and the user's (`--schema-dir`, in kubeconform's layout).
//!
//! A `SchemaSet` is built once per run for the object types the fleet
//! holds; its validators are `Sync` and shared by the rule's threads. Errors
//! come back as `Violation`s: the span of the failing key or value and a
//! message a user understands (see `message.rs` and `locate.rs`).

mod embedded;
mod locate;
mod message;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonschema::Validator;

use crate::source::Span;
use crate::yaml::Node;

/// The largest schema file read from `--schema-dir` or `schemas.dirs`.
const SCHEMA_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// Where an error's instance is in the object.
pub(super) struct Target<'a> {
    /// The value the error is about.
    pub node: &'a Node,
    /// Where a missing field of it is reported: the key holding it, or the
    /// item of a list; `None` at the object's root.
    pub(crate) holder: Option<Span>,
    /// Its dotted path, e.g. `spec.eventSources[0].kind`; empty at the root.
    pub path: String,
}

impl Target<'_> {
    /// The dotted path of `child` under this target.
    pub(crate) fn child_path(&self, child: &str) -> String {
        if self.path.is_empty() {
            child.to_string()
        } else {
            format!("{}.{child}", self.path)
        }
    }
}

/// A schema error on an object.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Violation {
    pub span: Span,
    pub message: String,
    /// The dotted path of a missing required field (something applied
    /// later, such as a Flux Kustomization patch, may add it).
    pub missing: Option<String>,
}

/// An object type: `apiVersion` and `kind` as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjectType {
    pub(crate) api_version: String,
    pub kind: String,
}

impl ObjectType {
    /// The schema file's name in kubeconform's layout: `{kind}-{group}-{version}.json`,
    /// with the group's first label (`kustomization-kustomize-v1.json`), or
    /// `{kind}-{version}.json` for the core group (`namespace-v1.json`).
    pub(crate) fn file_name(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        match self.api_version.split_once('/') {
            Some((group, version)) => {
                let group = group.split('.').next().unwrap_or(group);
                format!("{kind}-{group}-{version}.json")
            }
            None => format!("{kind}-{}.json", self.api_version),
        }
    }
}

/// The validators for the object types of one run.
#[derive(Default)]
pub(crate) struct SchemaSet {
    /// Each type's validator, and its schema for the wording of messages.
    validators: HashMap<ObjectType, (Validator, serde_json::Value)>,
}

/// A schema file that could not be used, and why.
#[derive(Debug)]
pub(crate) struct BadSchema {
    pub(crate) object_type: ObjectType,
    pub path: String,
    pub reason: String,
}

impl SchemaSet {
    /// Compiles a schema for each of `types` that has one: the embedded
    /// schema, else the first of `dirs` holding `{kind}-{group}-{version}.json`
    /// or `{kind}.json`.
    pub(crate) fn for_types<'a>(
        types: impl IntoIterator<Item = &'a ObjectType>,
        dirs: &[PathBuf],
    ) -> (SchemaSet, Vec<BadSchema>) {
        let mut set = SchemaSet::default();
        let mut bad = Vec::new();
        for object_type in types {
            if set.validators.contains_key(object_type) {
                continue;
            }
            let compiled = match embedded::find(object_type) {
                Some(text) => embedded::compile(text).map_err(|reason| BadSchema {
                    object_type: object_type.clone(),
                    path: format!("(embedded) {}", object_type.file_name()),
                    reason,
                }),
                None => match from_dirs(object_type, dirs) {
                    Some(result) => result,
                    None => continue,
                },
            };
            match compiled {
                Ok(compiled) => {
                    set.validators.insert(object_type.clone(), compiled);
                }
                Err(problem) => bad.push(problem),
            }
        }
        (set, bad)
    }

    pub(crate) fn has(&self, object_type: &ObjectType) -> bool {
        self.validators.contains_key(object_type)
    }

    /// Validates `object` (a whole manifest) against its type's schema; `None`
    /// when there is no schema for it.
    pub(crate) fn validate(
        &self,
        object_type: &ObjectType,
        object: &Node,
    ) -> Option<Vec<Violation>> {
        let (validator, schema) = self.validators.get(object_type)?;
        let instance = object.to_json();
        let mut violations: Vec<Violation> = validator
            .iter_errors(&instance)
            .flat_map(|error| locate::violations(object, schema, &error))
            .collect();
        violations.sort_by_key(|v| {
            (
                v.span.file,
                v.span.start.offset,
                v.missing.is_none(),
                v.message.clone(),
            )
        });
        violations.dedup();
        Some(merge_same_place(violations))
    }
}

/// One violation per place (findings are one per rule and place): missing
/// fields at the same key become one "`a` and `b` are required", other
/// messages are joined.
fn merge_same_place(violations: Vec<Violation>) -> Vec<Violation> {
    let mut merged: Vec<(Violation, Vec<String>)> = Vec::with_capacity(violations.len());
    for violation in violations {
        let fields: Vec<String> = violation.missing.iter().cloned().collect();
        match merged.last_mut() {
            Some((last, last_fields)) if last.span == violation.span => {
                if last.missing.is_some() && violation.missing.is_some() {
                    last_fields.extend(fields);
                    last.message = required_message(last_fields);
                } else {
                    // No longer only a missing field: a patch adding it fixes not all.
                    last.message = format!("{}; {}", last.message, violation.message);
                    last.missing = None;
                }
            }
            _ => merged.push((violation, fields)),
        }
    }
    merged.into_iter().map(|(violation, _)| violation).collect()
}

/// "`a` is required", "`a` and `b` are required", "`a`, `b` and `c` are required".
pub(crate) fn required_message(fields: &[String]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("{one} is required"),
        [init @ .., last] => format!("{} and {last} are required", init.join(", ")),
    }
}

/// The user's schema for `object_type` from the first directory holding one.
fn from_dirs(object_type: &ObjectType, dirs: &[PathBuf]) -> Option<Result<Compiled, BadSchema>> {
    let names = [
        object_type.file_name(),
        format!("{}.json", object_type.kind.to_ascii_lowercase()),
    ];
    let path = dirs
        .iter()
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|path| path.is_file())?;
    Some(compile_file(object_type, &path))
}

fn compile_file(object_type: &ObjectType, path: &Path) -> Result<Compiled, BadSchema> {
    let bad = |reason: String| BadSchema {
        object_type: object_type.clone(),
        path: path.display().to_string(),
        reason,
    };
    let bytes =
        crate::load::read_bounded(path, SCHEMA_FILE_LIMIT).map_err(|e| bad(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("is not UTF-8 text".into()))?;
    let schema: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("is not JSON: {e}")))?;
    let validator = jsonschema::options()
        .offline()
        .build(&schema)
        .map_err(|e| bad(format!("is not a usable JSON Schema: {e}")))?;
    Ok((validator, schema))
}

/// A compiled schema and its text as JSON.
type Compiled = (Validator, serde_json::Value);

#[cfg(test)]
mod tests {
    use super::*;

    fn object_type(api_version: &str, kind: &str) -> ObjectType {
        ObjectType {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        }
    }

    #[test]
    fn file_names_follow_kubeconform() {
        assert_eq!(
            object_type("kustomize.toolkit.fluxcd.io/v1", "Kustomization").file_name(),
            "kustomization-kustomize-v1.json"
        );
        assert_eq!(
            object_type("rbac.authorization.k8s.io/v1", "ClusterRole").file_name(),
            "clusterrole-rbac-v1.json"
        );
        assert_eq!(
            object_type("v1", "Namespace").file_name(),
            "namespace-v1.json"
        );
    }

    #[test]
    fn schemas_from_a_directory_are_used_for_kinds_not_embedded() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("deployment-apps-v1.json"),
            r#"{"type": "object", "required": ["spec"]}"#,
        )
        .expect("write");
        std::fs::write(dir.path().join("widget.json"), "{not json").expect("write");
        let deployment = object_type("apps/v1", "Deployment");
        let widget = object_type("example.com/v1", "Widget");
        let unknown = object_type("example.com/v1", "Gadget");
        let (set, bad) = SchemaSet::for_types(
            [&deployment, &widget, &unknown],
            &[dir.path().to_path_buf()],
        );
        assert!(set.has(&deployment));
        assert!(!set.has(&widget) && !set.has(&unknown));
        assert_eq!(bad.len(), 1);
        assert!(bad[0].path.ends_with("widget.json"), "{bad:?}");
        assert!(bad[0].reason.starts_with("is not JSON"), "{bad:?}");
    }
}
