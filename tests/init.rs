//! `fleet-lint init`: the starter config names what the fleet model found,
//! changes no finding, and is written only when asked (never over a file).

mod common;

use common::{fleet_lint, lint_json, rows, scratch_copy};

#[test]
fn init_writes_a_neutral_starter_config_naming_clusters_and_tenants() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let config = root.join(".fleet-lint.yaml");
    let (_, before) = lint_json(root, &[]);
    assert!(!config.exists(), "linting writes nothing");

    let output = fleet_lint().arg("init").arg(root).output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("(2 clusters, 2 tenants found)"), "{stderr}");
    let text = std::fs::read_to_string(&config).expect("written");
    for expected in [
        "#   - name: production\n#     path: clusters/production",
        "#   - name: staging\n#     path: clusters/staging",
        "  roots:\n    - tenants\n",
        "  #   - name: team-a   # found by the toolkit.fluxcd.io/tenant label\n  #     namespaces: [team-a]",
        "  #   - name: team-b   # found by the toolkit.fluxcd.io/tenant label\n  #     namespaces: [team-b]",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let (_, after) = lint_json(root, &[]);
    assert_eq!(
        rows(&after),
        rows(&before),
        "the starter changes no finding"
    );

    let again = fleet_lint().arg("init").arg(root).output().expect("runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists; `--force` overwrites it"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    std::fs::write(&config, "tenants: {roots: [tenants]}\n").expect("edit");
    let forced = fleet_lint()
        .args(["init", "--force"])
        .arg(root)
        .output()
        .expect("runs");
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&config).expect("read"), text);
}

#[test]
fn init_stdout_prints_without_writing() {
    let dir = scratch_copy("example-fleet");
    let output = fleet_lint()
        .args(["init", "--stdout"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("# yaml-language-server: $schema="))
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("# fleet-lint configuration"))
    );
    assert!(!dir.path().join(".fleet-lint.yaml").exists());
}
