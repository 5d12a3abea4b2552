//! Strategic-merge patches and JSON 6902 patches on spanned trees. Values a
//! patch brings keep the patch file's spans, so a finding about a patched
//! field points at the patch.

use crate::yaml::{Entry, Node, Value};

/// What a strategic-merge patch does to the object as a whole.
#[derive(Debug, PartialEq, Eq)]
pub enum MergeOutcome {
    Merged,
    /// The patch says `$patch: delete`: the object leaves the build.
    Delete,
}

/// Applies strategic-merge patch `patch` to `target`. Lists of built-in
/// Kubernetes kinds (`builtin_kind`) merge by their merge key (containers,
/// env, volumes by `name`, ports by port, volumeMounts by `mountPath`); other
/// lists are replaced, as kustomize does for kinds it has no schema for.
pub fn strategic_merge(target: &mut Node, patch: &Node, builtin_kind: bool) -> MergeOutcome {
    if directive(patch) == Some("delete") {
        return MergeOutcome::Delete;
    }
    merge_node(target, patch, builtin_kind, "");
    MergeOutcome::Merged
}

fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::as_str)
}

fn merge_node(target: &mut Node, patch: &Node, builtin: bool, key: &str) {
    match (&mut target.value, &patch.value) {
        (Value::Map(_), Value::Map(patch_entries)) => {
            if directive(patch) == Some("replace") {
                *target = without_directives(patch);
                return;
            }
            for entry in patch_entries {
                let Some(field) = entry.key.as_str() else {
                    continue;
                };
                if field.starts_with('$') {
                    continue;
                }
                if entry.value.is_null() {
                    target.remove(field);
                    continue;
                }
                match target.get_mut(field) {
                    Some(existing) => merge_node(existing, &entry.value, builtin, field),
                    None => target.set(field, without_directives(&entry.value)),
                }
            }
        }
        (Value::Seq(items), Value::Seq(patch_items)) => {
            match merge_key(key, patch_items).filter(|_| builtin) {
                Some(merge_key) => {
                    items.edit(|items| merge_list(items, patch_items, merge_key, builtin));
                }
                None => *target = without_directives(patch),
            }
        }
        _ => *target = without_directives(patch),
    }
}

/// The key that identifies list items of field `key`, when it is one kustomize merges.
fn merge_key(key: &str, items: &[Node]) -> Option<&'static str> {
    match key {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => Some("containerPort"),
        "ports" => Some("port"),
        _ => None,
    }
}

fn merge_list(items: &mut Vec<Node>, patch_items: &[Node], merge_key: &str, builtin: bool) {
    for patch_item in patch_items {
        let key_value = patch_item.get(merge_key).and_then(Node::as_str);
        let position = key_value.and_then(|v| {
            items
                .iter()
                .position(|i| i.get(merge_key).and_then(Node::as_str) == Some(v))
        });
        match (position, directive(patch_item)) {
            (Some(index), Some("delete")) => {
                items.remove(index);
            }
            (_, Some("delete")) => {}
            (Some(index), _) => merge_node(&mut items[index], patch_item, builtin, ""),
            (None, _) => items.push(without_directives(patch_item)),
        }
    }
}

/// `node` without `$patch`-style directive keys, at any depth.
fn without_directives(node: &Node) -> Node {
    let mut out = node.clone();
    strip_directives(&mut out);
    out
}

/// Removes directive keys, copying only the levels that hold some (a
/// patch's nodes share their children with the patch).
fn strip_directives(node: &mut Node) {
    if !has_directives(node) {
        return;
    }
    match &mut node.value {
        Value::Map(entries) => {
            if entries.iter().any(is_directive) {
                entries.edit(|entries| entries.retain(|e| !is_directive(e)));
            }
            entries
                .iter_mut()
                .for_each(|e| strip_directives(&mut e.value));
        }
        Value::Seq(items) => items.iter_mut().for_each(strip_directives),
        Value::Scalar(..) => {}
    }
}

/// A `$patch`-style key (`$patch`, `$retainKeys`, `$setElementOrder/...`).
fn is_directive(entry: &Entry) -> bool {
    entry.key.as_str().is_some_and(|k| k.starts_with('$'))
}

fn has_directives(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .any(|e| is_directive(e) || has_directives(&e.value)),
        Value::Seq(items) => items.iter().any(has_directives),
        Value::Scalar(..) => false,
    }
}

/// Applies the JSON 6902 operations `ops` (a list of `{op, path, value, from}`).
pub fn json6902(target: &mut Node, ops: &Node) -> Result<(), String> {
    let ops = ops
        .as_seq()
        .ok_or("a JSON 6902 patch must be a list of operations")?;
    for op in ops {
        let name = op
            .get("op")
            .and_then(Node::as_str)
            .ok_or("an operation needs `op`")?;
        let path = pointer(op, "path")?;
        match name {
            "add" => add(target, &path, value(op)?)?,
            "replace" => replace(target, &path, value(op)?)?,
            "remove" => {
                remove(target, &path)?;
            }
            "move" => {
                let moved = remove(target, &pointer(op, "from")?)?;
                add(target, &path, moved)?;
            }
            "copy" => {
                let copied = resolve(target, &pointer(op, "from")?)?.clone();
                add(target, &path, copied)?;
            }
            "test" => {
                if resolve(target, &path)?.to_json() != value(op)?.to_json() {
                    return Err(format!("test failed at `{}`", path.join("/")));
                }
            }
            other => return Err(format!("unknown operation `{other}`")),
        }
    }
    Ok(())
}

fn value(op: &Node) -> Result<Node, String> {
    op.get("value")
        .cloned()
        .ok_or_else(|| "this operation needs `value`".to_string())
}

/// The reference tokens of JSON pointer field `field` of `op`.
fn pointer(op: &Node, field: &str) -> Result<Vec<String>, String> {
    let text = op
        .get(field)
        .and_then(Node::as_str)
        .ok_or_else(|| format!("an operation needs `{field}`"))?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let rest = text
        .strip_prefix('/')
        .ok_or_else(|| format!("`{text}` is not a JSON pointer"))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn resolve<'n>(node: &'n mut Node, path: &[String]) -> Result<&'n mut Node, String> {
    let mut current = node;
    for token in path {
        current = child(current, token)
            .ok_or_else(|| format!("path `/{}` does not exist", path.join("/")))?;
    }
    Ok(current)
}

fn child<'n>(node: &'n mut Node, token: &str) -> Option<&'n mut Node> {
    match node.value {
        Value::Seq(ref mut items) => items.get_mut(token.parse::<usize>().ok()?),
        // A mapping's entry; none under a scalar.
        _ => node.get_mut(token),
    }
}

fn split_last(path: &[String]) -> Result<(&[String], &str), String> {
    match path.split_last() {
        Some((last, parent)) => Ok((parent, last)),
        None => Err("the whole document cannot be the target".into()),
    }
}

fn add(target: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let (parent_path, last) = split_last(path)?;
    let parent = resolve(target, parent_path)?;
    match &mut parent.value {
        Value::Map(_) => {
            parent.set(last, value);
            Ok(())
        }
        Value::Seq(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse()
                    .map_err(|_| format!("`{last}` is not an index"))?
            };
            if index > items.len() {
                return Err(format!("index {index} is past the end of the list"));
            }
            items.insert(index, value);
            Ok(())
        }
        Value::Scalar(..) => Err(format!(
            "`/{}` is not a mapping or list",
            parent_path.join("/")
        )),
    }
}

/// Like kustomize's JSON patch library: replacing a missing key of an
/// existing mapping adds it; a missing parent or list index is an error.
fn replace(target: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let (parent_path, last) = split_last(path)?;
    let parent = resolve(target, parent_path)?;
    if parent.as_map().is_some() {
        parent.set(last, value);
        return Ok(());
    }
    *resolve(parent, &[last.to_string()])? = value;
    Ok(())
}

fn remove(target: &mut Node, path: &[String]) -> Result<Node, String> {
    let (parent_path, last) = split_last(path)?;
    let parent = resolve(target, parent_path)?;
    let missing = || format!("path `/{}` does not exist", path.join("/"));
    match &mut parent.value {
        Value::Map(_) => parent.remove(last).ok_or_else(missing),
        Value::Seq(items) => {
            let index: usize = last.parse().map_err(|_| missing())?;
            (index < items.len())
                .then(|| items.remove(index))
                .ok_or_else(missing)
        }
        Value::Scalar(..) => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use fleet_lint_source::testing::parse_first as node;

    #[test]
    fn strategic_merge_merges_maps_and_containers_by_name() {
        let mut target = node(
            "spec:\n  replicas: 1\n  containers:\n  - name: app\n    image: a:1\n  - name: side\n    image: s:1\n",
        );
        let patch = node(
            "spec:\n  replicas: null\n  serviceAccountName: sa\n  containers:\n  - name: app\n    image: a:2\n  - name: side\n    $patch: delete\n",
        );
        assert_eq!(
            strategic_merge(&mut target, &patch, true),
            MergeOutcome::Merged
        );
        let json = target.to_json();
        assert_eq!(json["spec"]["serviceAccountName"], "sa");
        assert!(json["spec"].get("replicas").is_none());
        assert_eq!(
            json["spec"]["containers"],
            serde_json::json!([{"name": "app", "image": "a:2"}])
        );
    }

    #[test]
    fn lists_of_custom_kinds_are_replaced() {
        let mut target = node("spec:\n  values:\n    env: [{name: A}, {name: B}]\n");
        strategic_merge(
            &mut target,
            &node("spec:\n  values:\n    env: [{name: C}]\n"),
            false,
        );
        assert_eq!(
            target.to_json()["spec"]["values"]["env"],
            serde_json::json!([{"name": "C"}])
        );
    }

    #[test]
    fn json6902_operations() {
        let mut target = node("spec:\n  args: [a]\n  x: 1\n");
        let ops = node(
            "- {op: add, path: /spec/args/-, value: b}\n- {op: replace, path: /spec/x, value: 2}\n- {op: copy, from: /spec/x, path: /spec/y}\n- {op: move, from: /spec/y, path: /spec/z}\n- {op: test, path: /spec/z, value: 2}\n- {op: remove, path: /spec/args/0}\n",
        );
        json6902(&mut target, &ops).expect("applies");
        assert_eq!(
            target.to_json(),
            serde_json::json!({"spec": {"args": ["b"], "x": 2, "z": 2}})
        );
        json6902(
            &mut target,
            &node("- {op: replace, path: /spec/new, value: 1}\n"),
        )
        .expect("replace adds a missing key");
        assert_eq!(target.to_json()["spec"]["new"], 1);
        assert!(
            json6902(
                &mut target,
                &node("- {op: replace, path: /nope/deep, value: 1}\n")
            )
            .is_err()
        );
        let failing = node("- {op: test, path: /spec/x, value: 3}\n");
        assert!(json6902(&mut target, &failing).is_err());
        assert!(json6902(&mut target, &node("- {op: remove, path: /nope}\n")).is_err());
    }
}
