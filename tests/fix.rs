//! `--fix` and `--diff`: safe, mechanical rewrites (`deprecated-api`), on a
//! fixture byte for byte and on a copy of a real fleet from `../shared/corpora`.

mod common;

use common::{fleet_lint, lint_json, rows, scratch_copy, shared};

const FIXED: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: team-a
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      valuesFiles: [values-prod.yaml] # the production values
      sourceRef: {kind: HelmRepository, name: podinfo}
---
apiVersion: \"kustomize.toolkit.fluxcd.io/v1\" # to bump
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
";

#[test]
fn diff_shows_and_fix_makes_the_mechanical_rewrites_only() {
    let dir = scratch_copy("rules/deprecated-api/fail");
    let file = dir.path().join("old.yaml");
    let before = std::fs::read_to_string(&file).expect("fixture");

    let diff = fleet_lint()
        .arg(dir.path())
        .arg("--diff")
        .output()
        .expect("runs");
    assert_eq!(diff.status.code(), Some(1), "changes to make");
    let text = String::from_utf8_lossy(&diff.stdout);
    let changed: Vec<&str> = text
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    assert_eq!(
        changed,
        [
            "-apiVersion: helm.toolkit.fluxcd.io/v2beta1",
            "+apiVersion: helm.toolkit.fluxcd.io/v2",
            "-      valuesFile: values-prod.yaml # the production values",
            "+      valuesFiles: [values-prod.yaml] # the production values",
            "-apiVersion: \"kustomize.toolkit.fluxcd.io/v1beta2\" # to bump",
            "+apiVersion: \"kustomize.toolkit.fluxcd.io/v1\" # to bump",
            "-  validation: client",
            "-apiVersion: notification.toolkit.fluxcd.io/v1beta2",
            "+apiVersion: notification.toolkit.fluxcd.io/v1beta3",
        ],
        "{text}"
    );
    assert!(
        text.starts_with("--- a/old.yaml\n+++ b/old.yaml\n"),
        "{text}"
    );
    assert_eq!(
        String::from_utf8_lossy(&diff.stderr).trim(),
        "fleet-lint: would fix 3 findings in 1 file"
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("file"),
        before,
        "--diff writes nothing"
    );

    let fixed = fleet_lint()
        .arg(dir.path())
        .args(["--fix", "--format", "concise", "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(fixed.status.code(), Some(1), "one finding is left");
    assert_eq!(
        String::from_utf8_lossy(&fixed.stderr).trim(),
        "fleet-lint: fixed 3 findings in 1 file"
    );
    let after = std::fs::read_to_string(&file).expect("file");
    assert!(after.starts_with(FIXED), "{after}");
    assert!(after.contains("apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert"));
    assert!(
        after.contains("# Its patches must move to spec.patches by hand"),
        "comments stay"
    );
    let (_, report) = lint_json(dir.path(), &["--select", "deprecated-api"]);
    let left: Vec<(String, u64)> = rows(&report)
        .into_iter()
        .map(|(r, _, l, _)| (r, l))
        .collect();
    assert_eq!(
        left,
        [("deprecated-api".to_string(), 36)],
        "the patches are the user's to move"
    );
}

#[test]
fn fix_leaves_a_real_fleet_without_deprecated_apis_touching_only_those_lines() {
    let Some(corpus) = shared("corpora/toboshii__home-ops") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&corpus, dir.path());
    let read_all = |root: &std::path::Path| -> Vec<(std::path::PathBuf, String)> {
        let mut files: Vec<_> = walk(root)
            .into_iter()
            .filter_map(|p| {
                std::fs::read_to_string(&p).ok().map(|t| {
                    (
                        p.strip_prefix(root).map(|r| r.to_path_buf()).unwrap_or(p),
                        t,
                    )
                })
            })
            .collect();
        files.sort();
        files
    };
    let before = read_all(dir.path());
    let (_, report) = lint_json(dir.path(), &[]);
    let deprecated = |report: &serde_json::Value| {
        rows(report)
            .iter()
            .filter(|(rule, ..)| rule == "deprecated-api")
            .count()
    };
    assert_eq!(deprecated(&report), 110);
    let others = |report: &serde_json::Value| {
        let mut rows: Vec<_> = rows(report)
            .into_iter()
            .filter(|(rule, ..)| rule != "deprecated-api")
            .map(|(r, p, _, m)| (r, p, m))
            .collect();
        rows.sort();
        rows
    };

    let fixed = fleet_lint()
        .arg(dir.path())
        .arg("--fix")
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&fixed.stderr).trim(),
        "fleet-lint: fixed 108 findings in 99 files"
    );
    let (_, after_report) = lint_json(dir.path(), &[]);
    // What is left: two HelmReleases whose postRenderers hold patchesJson6902.
    let left: Vec<String> = rows(&after_report)
        .into_iter()
        .filter(|(rule, ..)| rule == "deprecated-api")
        .map(|(_, path, ..)| path)
        .collect();
    assert_eq!(
        left,
        [
            "cluster/apps/mail/mailu/helm-release.yaml",
            "cluster/apps/monitoring/vector/aggregator/helm-release.yaml"
        ]
    );
    assert_eq!(
        others(&after_report),
        others(&report),
        "no other finding changes"
    );

    let after = read_all(dir.path());
    assert_eq!(after.len(), before.len());
    let mut changed_lines = 0;
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
            (old.lines().collect(), new.lines().collect());
        assert_eq!(
            old_lines.len(),
            new_lines.len(),
            "{}: no line added or removed",
            path.display()
        );
        for (a, b) in old_lines.iter().zip(&new_lines) {
            if a != b {
                changed_lines += 1;
                assert!(
                    a.trim_start().starts_with("apiVersion:")
                        && b.trim_start().starts_with("apiVersion:"),
                    "{}: only apiVersion lines change: {a:?} -> {b:?}",
                    path.display()
                );
            }
        }
    }
    assert_eq!(changed_lines, 108);
    common::say(&format!(
        "--fix on toboshii__home-ops: 108 findings fixed, {changed_lines} lines changed, 2 left to fix by hand"
    ));
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn diff_never_shows_a_secret_in_its_context_lines() {
    let dir = scratch_copy("example-fleet");
    let providers = dir
        .path()
        .join("infrastructure/notifications/providers.yaml");
    let text = std::fs::read_to_string(&providers).expect("providers");
    // A removed-version Provider right after the one whose address holds a
    // token: the diff shows that address as context.
    let leaky = "---\napiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Provider\nspec:\n  type: rocket\n  address: https://chat.example.com/hooks/6Jm3kQ9ZyXWbT2vR/hN8pL4sD7fG1aK5eC3uV9xB2nM6qW0tY\nmetadata: {name: leaky, namespace: flux-system}\n";
    std::fs::write(&providers, format!("{text}{leaky}")).expect("write");
    let output = fleet_lint()
        .arg(dir.path())
        .arg("--diff")
        .output()
        .expect("runs");
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(
        diff.contains("+apiVersion: notification.toolkit.fluxcd.io/v1beta3"),
        "{diff}"
    );
    assert!(
        diff.contains("\n   address: ********\n"),
        "masked, at a length that is not the secret's: {diff}"
    );
    assert!(!diff.contains("6Jm3kQ9Zy"), "{diff}");
}
