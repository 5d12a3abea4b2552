//! Flux Operator ResourceSets (`fluxcd.controlplane.io`), expanded offline as
//! the operator expands them on the cluster: each template of
//! `spec.resources` (and each document of `spec.resourcesTemplate`) rendered
//! once per input set, an object annotated `fluxcd.controlplane.io/reconcile:
//! disabled` left out, an object made twice kept once, `spec.commonMetadata`
//! laid over each. The input sets are the static `spec.inputs`, and the
//! `defaultValues` of `Static` ResourceSetInputProviders named by
//! `spec.inputsFrom` (combined per `spec.inputStrategy`: `Flatten`, the
//! default, one input set per provider input; `Permute`, every combination,
//! each provider's values under its name with `-` made `_`). What cannot be
//! known offline (another provider type, a selector, a template this module
//! does not evaluate) is reported as `resourceset-not-evaluated`.
//!
//! Expanded objects keep the template's spans, so findings point at the
//! template line; each knows its [`Expansion`]: the ResourceSet and the input
//! set it was made for, and the tenant namespace that input set onboards.

pub(crate) mod template;

use std::collections::HashSet;
use std::sync::Arc;

use crate::diag::{Finding, Severity};
use crate::kustomize::{Resource, kustomize_treats_as_cluster_scoped};
use crate::rule_id::RuleId;
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::{Entry, LoadLimits, Node, ScalarStyle, Value, load_yaml};

use super::tenant::PLATFORM_NAMESPACES;

/// API group of the Flux Operator's objects.
pub(crate) const OPERATOR_GROUP: &str = "fluxcd.controlplane.io";

/// The most objects one ResourceSet may make (inputs times templates), and
/// the most template text it may copy doing so (`rules/limit-exceeded.md`):
/// real ResourceSets make tens of objects; the bounds stop a few thousand
/// inputs over a large template from filling memory.
const MAX_OBJECTS: usize = 5_000;
const MAX_COPIED_BYTES: usize = 64 << 20;

/// What one ResourceSet's expansion has used of its bounds.
#[derive(Default)]
struct Budget {
    objects: usize,
    bytes: usize,
}

impl Budget {
    /// Takes what rendering `template` once costs; false when that is over a bound.
    fn take(&mut self, template: &Node) -> bool {
        let size = template
            .span
            .end
            .offset
            .saturating_sub(template.span.start.offset) as usize;
        self.objects += 1;
        self.bytes += size;
        self.objects <= MAX_OBJECTS && self.bytes <= MAX_COPIED_BYTES
    }
}

fn over_budget(set: &Resource, id: &str) -> Finding {
    Finding::new(
        RuleId::LimitExceeded,
        Severity::Warning,
        set.node.headline(),
        format!(
            "ResourceSet {id} makes more than {MAX_OBJECTS} objects or copies more than {} MiB of templates; the objects beyond are not linted",
            MAX_COPIED_BYTES >> 20
        ),
    )
}

/// What made an expanded object.
#[derive(Debug)]
pub struct Expansion {
    /// The ResourceSet, `namespace/name`.
    pub resource_set: String,
    /// The input set: where it is written (an item of `spec.inputs`, or the
    /// provider), and how findings name it (`input 2 (tenant: backend)`).
    pub input: Option<(Span, String)>,
    /// The namespace whose tenant this input set onboards: the namespace in
    /// which it binds a role to a ServiceAccount of that namespace, or makes
    /// a Flux Kustomization or HelmRelease impersonate one.
    pub tenant_namespace: Option<String>,
}

/// A ResourceSet's objects, and what could not be evaluated.
pub(crate) struct Expanded {
    pub(crate) objects: Vec<(Resource, Arc<Expansion>)>,
    pub(crate) findings: Vec<Finding>,
}

/// True for a Flux Operator ResourceSet.
pub(crate) fn is_resource_set(resource: &Resource) -> bool {
    resource.kind() == "ResourceSet" && resource.group_version().0 == OPERATOR_GROUP
}

/// One input set: where it comes from, how it is named, its values.
struct InputSet {
    span: Span,
    label: String,
    values: Node,
}

/// Expands `set`; `provider` finds a ResourceSetInputProvider by namespace
/// and name on the same cluster; `file` is the source of `set`'s file (to
/// place `resourcesTemplate` documents at their lines).
pub(crate) fn expand(
    set: &Resource,
    provider: &dyn Fn(&str, &str) -> Option<Resource>,
    file: &SourceFile,
) -> Expanded {
    let id = format!("{}/{}", set.namespace(), set.name());
    let mut findings = Vec::new();
    let mut say = |span: Span, what: String, left_out: &str| {
        findings.push(not_evaluated(span, &id, &what, left_out));
    };
    let spec = set.node.get("spec");
    let Some(inputs) = input_sets(set, provider, &mut |span, what| {
        say(span, what, ALL_LEFT_OUT)
    }) else {
        return Expanded {
            objects: Vec::new(),
            findings,
        };
    };
    let templates = templates(spec, file, &mut |span, what| {
        say(span, what, TEMPLATE_LEFT_OUT)
    });
    let common = spec.and_then(|s| s.get("commonMetadata"));
    let runs: Vec<Option<&InputSet>> = if inputs.is_empty() {
        vec![None]
    } else {
        inputs.iter().map(Some).collect()
    };
    let mut objects: Vec<(Resource, Arc<Expansion>)> = Vec::new();
    let mut made_ids = HashSet::new();
    let mut budget = Budget::default();
    'inputs: for input in runs {
        let mut made = Vec::new();
        for template in &templates {
            if !budget.take(template) {
                findings.push(over_budget(set, &id));
                break 'inputs;
            }
            match render_node(template, input.map(|i| &i.values)) {
                Ok(node) => made.push(node),
                Err(why) => say(template.headline(), why.0, TEMPLATE_LEFT_OUT),
            }
        }
        let made: Vec<Node> = made
            .into_iter()
            .filter(|n| !reconcile_disabled(n))
            .map(|n| with_defaults(n, common, set.namespace()))
            .collect();
        let expansion = Arc::new(Expansion {
            resource_set: id.clone(),
            input: input.map(|i| (i.span, i.label.clone())),
            tenant_namespace: onboarded_namespace(&made),
        });
        for node in made {
            let origin = node.span;
            let mut object = Resource::new(node, origin);
            object.included_by = set.included_by.clone();
            if made_ids.insert(object.id()) {
                objects.push((object, Arc::clone(&expansion)));
            }
        }
    }
    Expanded { objects, findings }
}

/// What a ResourceSet leaves out when its inputs are unknown.
const ALL_LEFT_OUT: &str = "nothing it makes is linted";
/// What it leaves out when one template cannot be rendered.
const TEMPLATE_LEFT_OUT: &str = "the objects of this template are not linted";

fn not_evaluated(span: Span, id: &str, what: &str, left_out: &str) -> Finding {
    Finding::new(
        RuleId::ResourceSetNotEvaluated,
        Severity::Info,
        span,
        format!("ResourceSet {id}: {what} is not evaluated, so {left_out}"),
    )
}

/// The input sets of `set`, or `None` when they cannot be known offline
/// (then nothing is expanded: a template without its inputs would make
/// objects the operator never makes).
fn input_sets(
    set: &Resource,
    provider: &dyn Fn(&str, &str) -> Option<Resource>,
    say: &mut dyn FnMut(Span, String),
) -> Option<Vec<InputSet>> {
    let spec = set.node.get("spec");
    let mut sets: Vec<InputSet> = spec
        .and_then(|s| s.get("inputs"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, values)| InputSet {
            span: values.span,
            label: input_label(i, values),
            values: values.clone(),
        })
        .collect();
    let mut groups: Vec<(String, Vec<InputSet>)> = Vec::new();
    for from in spec
        .and_then(|s| s.get("inputsFrom"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(name) = from.get("name").and_then(Node::as_str) else {
            say(from.span, "an input provider chosen by selector".into());
            return None;
        };
        let Some(found) = provider(set.namespace(), name) else {
            say(
                from.span,
                format!("the ResourceSetInputProvider {name}, which the fleet does not define,"),
            );
            return None;
        };
        let kind = found
            .node
            .get_path(&["spec", "type"])
            .and_then(Node::as_str)
            .unwrap_or("");
        let Some(values) = found
            .node
            .get_path(&["spec", "defaultValues"])
            .filter(|_| kind == "Static")
        else {
            say(
                from.span,
                format!(
                    "the input of ResourceSetInputProvider {name} (type {kind}, read from a service at run time)"
                ),
            );
            return None;
        };
        let label = format!("the input of ResourceSetInputProvider {name}");
        groups.push((
            name.replace('-', "_"),
            vec![InputSet {
                span: found.node.headline(),
                label,
                values: values.clone(),
            }],
        ));
    }
    let strategy = spec
        .and_then(|s| s.get_path(&["inputStrategy", "name"]))
        .and_then(Node::as_str)
        .unwrap_or("Flatten");
    if strategy == "Permute" {
        sets.extend(permute(&groups));
    } else {
        sets.extend(groups.into_iter().flat_map(|(_, g)| g));
    }
    Some(sets)
}

/// Every combination of one input set per group, each under its group's name.
fn permute(groups: &[(String, Vec<InputSet>)]) -> Vec<InputSet> {
    let Some(first) = groups.iter().find_map(|(_, sets)| sets.first()) else {
        return Vec::new();
    };
    let mut combos: Vec<(Vec<Entry>, Vec<String>, Span)> =
        vec![(Vec::new(), Vec::new(), first.span)];
    for (name, sets) in groups {
        let mut next = Vec::new();
        for (entries, labels, span) in &combos {
            for set in sets {
                let mut entries = entries.clone();
                entries.push(Entry {
                    key: Node::string(name, set.span),
                    value: set.values.clone(),
                });
                let mut labels = labels.clone();
                labels.push(set.label.clone());
                next.push((entries, labels, *span));
            }
        }
        combos = next;
    }
    combos
        .into_iter()
        .map(|(entries, labels, span)| InputSet {
            span,
            label: labels.join(" and "),
            values: Node {
                span,
                value: Value::Map(entries.into()),
            },
        })
        .collect()
}

/// `input 2 (tenant: backend)`: its 1-based place, and its first scalar value.
fn input_label(index: usize, values: &Node) -> String {
    let first = values
        .as_map()
        .unwrap_or_default()
        .iter()
        .find_map(|e| Some((e.key.as_str()?, e.value.as_str()?)));
    match first {
        Some((key, value)) => format!("input {} ({key}: {value})", index + 1),
        None => format!("input {}", index + 1),
    }
}

/// The object templates: `spec.resources`, then the documents of
/// `spec.resourcesTemplate` (read as YAML once its actions are rendered, so
/// only a template whose actions sit inside values can be read: one with
/// control structures is reported).
fn templates(
    spec: Option<&Node>,
    file: &SourceFile,
    say: &mut dyn FnMut(Span, String),
) -> Vec<Node> {
    let mut out: Vec<Node> = spec
        .and_then(|s| s.get("resources"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .to_vec();
    if let Some(text_node) = spec.and_then(|s| s.get("resourcesTemplate")) {
        match template_documents(text_node, file) {
            Ok(docs) => out.extend(docs),
            Err(why) => say(text_node.span, why),
        }
    }
    out
}

/// The documents of a `resourcesTemplate` block, spanned at their lines in
/// the ResourceSet's file.
fn template_documents(text_node: &Node, file: &SourceFile) -> Result<Vec<Node>, String> {
    let text = text_node.as_str().unwrap_or("");
    if text.contains("<<-") || text.contains("->>") || has_control_structure(text) {
        return Err("`resourcesTemplate` with control structures".into());
    }
    let Value::Scalar(_, ScalarStyle::Block) = text_node.value else {
        return Err("a `resourcesTemplate` that is not a literal block".into());
    };
    let scratch = SourceFile::new(file.path.clone(), text.to_string());
    let loaded = load_yaml(FileId(u32::MAX), &scratch, LoadLimits::default());
    if let Some(error) = loaded.errors.first() {
        return Err(format!(
            "`resourcesTemplate`, which is not valid YAML ({})",
            error.message
        ));
    }
    // The block's first content line: its span's, or the next when the span
    // starts at the `|` header. Each of its lines is indented like the first.
    let start = text_node.span.start.line;
    let last_token = file
        .line_text(start)
        .split_whitespace()
        .last()
        .unwrap_or("");
    let at_header = last_token.starts_with(['|', '>'])
        && last_token[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '+' || c == '-');
    let first_line = if at_header { start + 1 } else { start };
    let indent = file.line_text(first_line).len() - file.line_text(first_line).trim_start().len();
    let place = |line: u32, col: u32| file.pos(first_line + line - 1, col + indent as u32);
    Ok(loaded
        .documents
        .into_iter()
        .map(|doc| {
            let mut root = doc.root;
            respan(Arc::make_mut(&mut root), text_node.span.file, &place);
            Arc::unwrap_or_clone(root)
        })
        .filter(|n| n.as_map().is_some_and(|m| !m.is_empty()))
        .collect())
}

fn has_control_structure(text: &str) -> bool {
    text.split("<<").skip(1).any(template::is_keyword)
}

fn respan(node: &mut Node, file: FileId, place: &dyn Fn(u32, u32) -> crate::source::Pos) {
    node.span = Span {
        file,
        start: place(node.span.start.line, node.span.start.col),
        end: place(node.span.end.line, node.span.end.col),
    };
    match &mut node.value {
        Value::Scalar(..) => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| respan(n, file, place)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            respan(&mut e.key, file, place);
            respan(&mut e.value, file, place);
        }),
    }
}

/// The template with every scalar (keys included) rendered for `input`.
fn render_node(node: &Node, input: Option<&Node>) -> Result<Node, template::Unsupported> {
    let value = match &node.value {
        Value::Scalar(text, style) if text.contains("<<") => {
            let rendered = template::render(text, input)?;
            let style = match (style, rendered.style) {
                (ScalarStyle::Plain, Some(quoted)) => quoted,
                (style, _) => *style,
            };
            Value::Scalar(rendered.text.into(), style)
        }
        Value::Scalar(..) => node.value.clone(),
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|n| render_node(n, input))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| {
                    Ok(Entry {
                        key: render_node(&e.key, input)?,
                        value: render_node(&e.value, input)?,
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Node {
        span: node.span,
        value,
    })
}

fn reconcile_disabled(node: &Node) -> bool {
    node.get_path(&[
        "metadata",
        "annotations",
        "fluxcd.controlplane.io/reconcile",
    ])
    .and_then(Node::as_str)
        == Some("disabled")
}

/// `commonMetadata` labels and annotations laid over the object's own (its
/// own win), and the ResourceSet's namespace for a namespaced object without
/// one.
fn with_defaults(mut node: Node, common: Option<&Node>, namespace: &str) -> Node {
    let span = node.headline();
    let kind = node
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let Some(metadata) = node.map_entry("metadata", span) else {
        return node;
    };
    for field in ["labels", "annotations"] {
        let Some(extra) = common.and_then(|c| c.get(field)).and_then(Node::as_map) else {
            continue;
        };
        let Some(own) = metadata.map_entry(field, span) else {
            continue;
        };
        for entry in extra {
            if let Some(key) = entry.key.as_str()
                && own.get(key).is_none()
            {
                own.set(key, entry.value.clone());
            }
        }
    }
    let has_namespace = metadata
        .get("namespace")
        .and_then(Node::as_str)
        .is_some_and(|n| !n.is_empty());
    if !has_namespace && !kustomize_treats_as_cluster_scoped(&kind) && !namespace.is_empty() {
        metadata.set("namespace", Node::string(namespace, span));
    }
    node
}

/// The tenant namespace an input set's objects onboard (see [`Expansion`]).
fn onboarded_namespace(objects: &[Node]) -> Option<String> {
    objects.iter().find_map(|node| {
        let text = |path: &[&str]| node.get_path(path).and_then(Node::as_str).unwrap_or("");
        let namespace = text(&["metadata", "namespace"]);
        if namespace.is_empty() || PLATFORM_NAMESPACES.contains(&namespace) {
            return None;
        }
        let kind = text(&["kind"]);
        let binds_own_account = kind == "RoleBinding"
            && node
                .get("subjects")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .any(|s| {
                    s.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
                        && s.get("namespace")
                            .and_then(Node::as_str)
                            .is_none_or(|n| n == namespace)
                });
        let impersonates = matches!(kind, "Kustomization" | "HelmRelease")
            && !text(&["spec", "serviceAccountName"]).is_empty();
        (binds_own_account || impersonates).then(|| namespace.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// The documents of `text`, as resources of file 0, and the file.
    fn resources(text: &str) -> (Vec<Resource>, SourceFile) {
        let file = SourceFile::new("rs.yaml", text);
        let loaded = load_yaml(FileId(0), &file, LoadLimits::default());
        let resources = loaded
            .documents
            .into_iter()
            .map(|d| {
                let span = d.root.span;
                Resource::shared(d.root, span)
            })
            .collect();
        (resources, file)
    }

    /// (kind namespace/name, line of its template) of what the first
    /// document expands to, with the other documents as providers.
    fn expanded(text: &str) -> (Vec<(String, u32)>, Vec<String>) {
        let (docs, file) = resources(text);
        let provider = |ns: &str, name: &str| {
            docs.iter()
                .find(|d| {
                    d.kind() == "ResourceSetInputProvider"
                        && d.namespace() == ns
                        && d.name() == name
                })
                .cloned()
        };
        let out = expand(&docs[0], &provider, &file);
        let objects = out
            .objects
            .iter()
            .map(|(r, _)| {
                (
                    format!("{} {}/{}", r.kind(), r.namespace(), r.name()),
                    r.origin.start.line,
                )
            })
            .collect();
        (
            objects,
            out.findings
                .iter()
                .map(|f| f.message().to_string())
                .collect(),
        )
    }

    const HEAD: &str = "apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: rs\n  namespace: apps\nspec:\n";

    #[test]
    fn each_input_renders_each_template_in_the_sets_namespace_with_common_metadata() {
        let text = format!(
            "{HEAD}  commonMetadata:\n    labels:\n      team: platform\n  inputs:\n    - name: a\n    - name: b\n  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: cm-<< inputs.name >>\n    - apiVersion: v1\n      kind: Namespace\n      metadata:\n        name: shared\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: off-<< inputs.name >>\n        annotations:\n          fluxcd.controlplane.io/reconcile: disabled\n"
        );
        let (objects, findings) = expanded(&text);
        assert_eq!(
            objects,
            [
                ("ConfigMap apps/cm-a".to_string(), 14),
                ("Namespace /shared".to_string(), 18),
                ("ConfigMap apps/cm-b".to_string(), 14),
            ],
            "one per input, the same Namespace once, a disabled object left out"
        );
        assert!(findings.is_empty(), "{findings:?}");
        let (docs, file) = resources(&text);
        let out = expand(&docs[0], &|_, _| None, &file);
        let labels = out.objects[0].0.metadata_value("labels", "team");
        assert_eq!(labels, Some("platform"));
        let input = out.objects[2]
            .1
            .input
            .as_ref()
            .map(|(_, label)| label.as_str());
        assert_eq!(input, Some("input 2 (name: b)"));
    }

    #[test]
    fn a_resources_template_is_read_at_its_lines() {
        let text = format!(
            "{HEAD}  inputs:\n    - name: a\n  resourcesTemplate: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: cm-<< inputs.name >>\n    ---\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: s-<< inputs.name >>\n"
        );
        let (objects, findings) = expanded(&text);
        assert_eq!(
            objects,
            [
                ("ConfigMap apps/cm-a".to_string(), 10),
                ("Secret apps/s-a".to_string(), 15)
            ]
        );
        assert!(findings.is_empty(), "{findings:?}");
        let with_control = format!(
            "{HEAD}  resourcesTemplate: |\n    << range inputs >>\n    kind: ConfigMap\n    << end >>\n"
        );
        let (objects, findings) = expanded(&with_control);
        assert!(objects.is_empty());
        assert!(
            findings[0].contains("`resourcesTemplate` with control structures"),
            "{findings:?}"
        );
    }

    #[test]
    fn static_providers_are_read_flattened_or_permuted() {
        let providers = "---\napiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSetInputProvider\nmetadata:\n  name: envs\n  namespace: apps\nspec:\n  type: Static\n  defaultValues:\n    env: dev\n---\napiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSetInputProvider\nmetadata:\n  name: team-list\n  namespace: apps\nspec:\n  type: Static\n  defaultValues:\n    team: a\n";
        let from = "  inputsFrom:\n    - kind: ResourceSetInputProvider\n      name: envs\n    - kind: ResourceSetInputProvider\n      name: team-list\n";
        let flattened = format!(
            "{HEAD}{from}  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: cm-<< inputs.env | default \"x\" >>\n{providers}"
        );
        let names: Vec<String> = expanded(&flattened).0.into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["ConfigMap apps/cm-dev", "ConfigMap apps/cm-x"]);
        let permuted = format!(
            "{HEAD}  inputStrategy:\n    name: Permute\n{from}  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: << inputs.team_list.team >>-<< inputs.envs.env >>\n{providers}"
        );
        let names: Vec<String> = expanded(&permuted).0.into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["ConfigMap apps/a-dev"]);
    }

    #[test]
    fn a_template_without_an_input_value_is_left_out_and_said() {
        let text = format!(
            "{HEAD}  inputs:\n    - name: a\n  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: cm-<< inputs.nope >>\n"
        );
        let (objects, findings) = expanded(&text);
        assert!(objects.is_empty());
        assert_eq!(
            findings,
            [
                "ResourceSet apps/rs: `<< inputs.nope >>`, which names no input value is not evaluated, so the objects of this template are not linted"
            ]
        );
    }
}
