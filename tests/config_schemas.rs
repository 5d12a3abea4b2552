//! The JSON Schemas published for editors: `.fleet-lint.yaml`
//! (`schemas/fleet-lint-config.schema.json`, which `init` names on its first
//! line) and the declarative rule format (`schemas/fleet-lint-rule.schema.json`),
//! checked against every config and rule file in the project, and against
//! mistakes the engine rejects too.

mod common;

use std::path::Path;

use common::{fixture, fleet_lint, project_root};

fn validator(name: &str) -> jsonschema::Validator {
    let path = project_root().join("schemas").join(name);
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn config_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            config_files(&path, out);
        } else if path.file_name().is_some_and(|n| n == ".fleet-lint.yaml")
            || path.parent().is_some_and(|p| p.ends_with("corpora-config"))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_config_in_the_project_and_inits_output_validate() {
    let config = validator("fleet-lint-config.schema.json");
    let mut files = Vec::new();
    config_files(&project_root().join("fixtures"), &mut files);
    config_files(&project_root().join("tests"), &mut files);
    assert!(files.len() >= 5, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("config");
        for document in common::yaml_documents(&text) {
            assert_eq!(
                errors(&config, &document),
                Vec::<String>::new(),
                "{}",
                file.display()
            );
        }
    }
    let output = fleet_lint()
        .arg("init")
        .arg(fixture("example-fleet"))
        .arg("--stdout")
        .output()
        .expect("runs");
    let starter = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(
        starter.lines().next(),
        Some(
            format!(
                "# yaml-language-server: $schema=https://raw.githubusercontent.com/fleet-lint/fleet-lint/v{}/schemas/fleet-lint-config.schema.json",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    for document in common::yaml_documents(&starter) {
        assert_eq!(errors(&config, &document), Vec::<String>::new());
    }
    // What the engine refuses, the schema refuses.
    for wrong in [
        "exclud: [x]\n",
        "rules:\n  severity:\n    yaml-syntax: loud\n",
        "secrets:\n  allow:\n    - path: demo/*.yaml\n",
        "rules:\n  paths: [../outside]\n",
        "limits:\n  max-file-size: big\n",
    ] {
        let document = &common::yaml_documents(wrong)[0];
        assert!(!config.is_valid(document), "{wrong}");
    }
}

#[test]
fn every_declarative_rule_in_the_project_validates() {
    let rule = validator("fleet-lint-rule.schema.json");
    let mut checked = 0;
    let shipped = std::fs::read_dir(project_root().join("rules")).expect("rules/");
    let users = project_root().join("fixtures/policies/policies/house-rules.yaml");
    let files = shipped
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .chain([users]);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("rule file");
        for document in common::yaml_documents(&text) {
            assert_eq!(
                errors(&rule, &document),
                Vec::<String>::new(),
                "{}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} rules checked");
    for wrong in [
        "id: x\nvalidate: {message: m}\n",
        "id: x\nseverity: loud\nvalidate: {pattern: {a: b}}\n",
        "id: x\ninput: files\nvalidate: {pattern: {a: b}}\nfix: {rename: {a: b}}\n",
        "id: x\nmatch: {kind: [Pod]}\nvalidate: {pattern: {a: b}}\n",
    ] {
        let document = &common::yaml_documents(wrong)[0];
        assert!(!rule.is_valid(document), "{wrong}");
    }
}
