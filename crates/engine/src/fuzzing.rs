//! Entry points for the fuzz targets in `fuzz/` (built with the `fuzzing`
//! feature only): the engine's readers of repository text that are not
//! public otherwise. Each runs one reader on its input and returns what it
//! made of it; a fuzz target checks that it returns at all (no panic, no
//! hang, bounded memory).

use crate::yaml::Node;

/// Parses `text` as a `.fleet-lint.yaml`: whether it is a valid config.
pub fn config(text: &str) -> bool {
    crate::config::parse_config(text).is_ok()
}

/// Renders a ResourceSet template `text` with `input`: whether it rendered.
pub fn resource_set_template(text: &str, input: Option<&Node>) -> bool {
    crate::fleet::resource_set::template::render(text, input).is_ok()
}

/// Reads the policies of rule-file document `policy` (a Kyverno policy or a
/// fleet-lint rule: its match, pattern and deny engines) and judges each
/// document of `objects` as written: the messages of the violations found.
pub fn policies_on(policy: &Node, objects: &[&Node]) -> Vec<String> {
    let mut problems = Vec::new();
    let policies = crate::rules::policy::document_policies(policy, &mut problems);
    policies
        .iter()
        .flat_map(|p| objects.iter().filter_map(|o| p.judge_document(o)))
        .collect()
}
