//! The `schema` rule: the embedded schemas on a valid object of every Flux
//! kind and on typical mistakes, errors at the failing key or value (in a
//! patch when a patch brings them), Flux Kustomization patches that add
//! fields, the user's schema directories, and Secrets never echoed.

mod common;

use common::{edit, fixture, lint_json, scratch_copy, shared, write_file as write};
use serde_json::Value;

/// (path, line, message) of the `schema` findings of a report.
fn schema_findings(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "schema")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn valid_objects_of_every_flux_kind_pass() {
    let (_, report) = lint_json(&fixture("schema/pass"), &[]);
    assert_eq!(schema_findings(&report), vec![]);
    assert_eq!(
        report["summary"]["schema"],
        serde_json::json!({"validated": 25, "unchecked": 0})
    );
}

#[test]
fn typical_mistakes_are_reported_at_their_line_with_a_clear_message() {
    let (code, report) = lint_json(&fixture("schema/fail"), &[]);
    assert_eq!(code, 1);
    let expected: Vec<(&str, u64, &str)> = vec![
        (
            "alert.yaml",
            9,
            "`spec.eventSeverity` must be one of `info`, `error`, got `critical`",
        ),
        (
            "alert.yaml",
            11,
            "`spec.eventSources[0].kind` must be one of its 15 accepted values, got `Helmrelease` (did you mean `HelmRelease`?)",
        ),
        ("alert.yaml", 13, "`spec.eventSources[1].kind` is required"),
        (
            "alert.yaml",
            14,
            "`spec.exclusionList` must be an array, got `.*timeout.*`",
        ),
        ("bucket.yaml", 6, "`spec.bucketName` is required"),
        (
            "bucket.yaml",
            8,
            "`spec.provider` must be one of `generic`, `aws`, `gcp`, `azure`, got `s3`",
        ),
        ("bucket.yaml", 9, "unknown field `bucket` in `spec`"),
        (
            "bucket.yaml",
            11,
            "`spec.insecure` must be a boolean, got `false`",
        ),
        (
            "flux-kustomization.yaml",
            7,
            "`spec.interval` must be a duration like `5m` or `1h30m`, got `10`",
        ),
        (
            "flux-kustomization.yaml",
            9,
            "`spec.prune` must be a boolean, got `yes`",
        ),
        (
            "flux-kustomization.yaml",
            10,
            "`spec.sourceRef.kind` is required",
        ),
        (
            "flux-kustomization.yaml",
            11,
            "unknown field `kindd` in `spec.sourceRef` (did you mean `kind`?)",
        ),
        (
            "flux-kustomization.yaml",
            13,
            "`spec.deletionPolicy` must be one of `MirrorPrune`, `Delete`, `WaitForTermination`, `Orphan`, got `Keep`",
        ),
        (
            "gitrepository.yaml",
            8,
            "`spec.url` must be an `http://`, `https://` or `ssh://` URL",
        ),
        (
            "gitrepository.yaml",
            11,
            "`spec.provider` must be one of `generic`, `azure`, `github`, `aws`, got `gitlab`",
        ),
        (
            "gitrepository.yaml",
            12,
            "`spec.secretRef` must be an object, got `flux-system`",
        ),
        ("helmchart.yaml", 6, "`spec.chart` is required"),
        (
            "helmchart.yaml",
            9,
            "`spec.sourceRef.kind` must be one of `HelmRepository`, `GitRepository`, `Bucket`, got `OCIRepository`",
        ),
        (
            "helmchart.yaml",
            11,
            "unknown field `namespace` in `spec.sourceRef`",
        ),
        (
            "helmchart.yaml",
            12,
            "`spec.reconcileStrategy` must be one of `ChartVersion`, `Revision`, got `Always`",
        ),
        (
            "helmrelease.yaml",
            7,
            "`spec.interval` must be a duration like `5m` or `1h30m`, got `1 hour`",
        ),
        ("helmrelease.yaml", 9, "`spec.chart.spec.chart` is required"),
        (
            "helmrelease.yaml",
            12,
            "`spec.chart.spec.sourceRef.kind` must be one of `HelmRepository`, `GitRepository`, `Bucket`, got `HelmRepo`",
        ),
        (
            "helmrelease.yaml",
            14,
            "unknown field `valueFrom` in `spec` (did you mean `valuesFrom`?)",
        ),
        (
            "helmrelease.yaml",
            18,
            "`spec.driftDetection.mode` must be one of `enabled`, `warn`, `disabled`, got `on`",
        ),
        (
            "helmrepository.yaml",
            8,
            "`spec.url` must be an `http://`, `https://` or `oci://` URL",
        ),
        (
            "helmrepository.yaml",
            9,
            "`spec.type` must be one of `default`, `oci`, got `helm`",
        ),
        (
            "helmrepository.yaml",
            10,
            "`spec.passCredentials` must be a boolean, got `1`",
        ),
        (
            "imagepolicy.yaml",
            7,
            "`spec.imageRepositoryRef` must be an object, got `podinfo`",
        ),
        (
            "imagepolicy.yaml",
            9,
            "`spec.policy.semver` must be an object, got `6.x`",
        ),
        (
            "imagepolicy.yaml",
            11,
            "`spec.policy.alphabetical.order` must be one of `asc`, `desc`, got `ascending`",
        ),
        ("imagerepository.yaml", 6, "`spec.image` is required"),
        (
            "imagerepository.yaml",
            7,
            "unknown field `imageName` in `spec`",
        ),
        (
            "imagerepository.yaml",
            8,
            "`spec.interval` must be a duration like `5m` or `1h30m`, got `5`",
        ),
        (
            "imagerepository.yaml",
            9,
            "`spec.provider` must be one of `generic`, `aws`, `azure`, `gcp`, got `docker`",
        ),
        (
            "imageupdateautomation.yaml",
            9,
            "`spec.sourceRef.kind` must be one of `GitRepository`, got `OCIRepository`",
        ),
        (
            "imageupdateautomation.yaml",
            13,
            "`spec.git.commit.author.email` is required",
        ),
        (
            "imageupdateautomation.yaml",
            16,
            "`spec.update.strategy` must be one of `Setters`, got `setters` (did you mean `Setters`?)",
        ),
        (
            "ocirepository.yaml",
            7,
            "`spec.interval` must be a duration like `5m` or `1h30m`, got `5min`",
        ),
        (
            "ocirepository.yaml",
            8,
            "`spec.url` must be an `oci://` URL",
        ),
        (
            "ocirepository.yaml",
            10,
            "unknown field `version` in `spec.ref`",
        ),
        (
            "ocirepository.yaml",
            12,
            "`spec.verify.provider` must be one of `cosign`, `notation`, got `sigstore`",
        ),
        (
            "provider.yaml",
            7,
            "`spec.type` must be one of its 32 accepted values, got `pager-duty` (did you mean `pagerduty`?)",
        ),
        (
            "provider.yaml",
            9,
            "`spec.timeout` must be a duration like `5m` or `1h30m`, got `30`",
        ),
        (
            "provider.yaml",
            12,
            "unknown field `key` in `spec.secretRef`",
        ),
        ("receiver.yaml", 6, "`spec.secretRef` is required"),
        (
            "receiver.yaml",
            7,
            "`spec.type` must be one of its 12 accepted values, got `github-webhook`",
        ),
        (
            "receiver.yaml",
            8,
            "`spec.events` must be an array, got `push`",
        ),
    ];
    let found = schema_findings(&report);
    let found: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|(path, line, message)| (path.as_str(), *line, message.as_str()))
        .collect();
    assert_eq!(found, expected);
    // At least three mistakes in each kind's file.
    for (path, _, _) in &expected {
        let per_file = expected.iter().filter(|(p, _, _)| p == path).count();
        assert!(per_file >= 3, "{path}: {per_file}");
    }
    assert_eq!(report["summary"]["schema"]["validated"], 13);
}

/// The one `schema` finding of the example fleet once `file` has `from`
/// replaced by `to`.
fn the_schema_finding_after(file: &str, from: &str, to: &str) -> Value {
    let fleet = scratch_copy("example-fleet");
    edit(&fleet.path().join(file), from, to);
    let (_, report) = lint_json(fleet.path(), &[]);
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "schema")
        .collect();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings[0].clone()
}

#[test]
fn an_error_a_patch_brings_is_reported_in_the_patch_with_where_it_lands() {
    let finding = the_schema_finding_after(
        "tenants/team-a/production/podinfo-values.yaml",
        "spec:\n",
        "spec:\n  interval: 10\n",
    );
    assert_eq!(
        finding["path"],
        "tenants/team-a/production/podinfo-values.yaml"
    );
    assert_eq!(finding["line"], 7);
    assert_eq!(
        finding["message"],
        "`spec.interval` must be a duration like `5m` or `1h30m`, got `10`"
    );
    assert!(
        finding["related"]
            .as_array()
            .expect("related")
            .iter()
            .any(|r| r["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("lands on cluster production"))),
        "{finding:#}"
    );
}

/// A cluster whose `apps` Kustomization gives every child Kustomization its
/// `interval` and `prune` by a patch, from `source` (kind and name).
fn fleet_with_defaults_patch(source: (&str, &str)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "apps/app/ks.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  path: ./app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        dir.path(),
        "clusters/prod/apps.yaml",
        &format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ./apps\n  sourceRef:\n    kind: {}\n    name: {}\n  patches:\n    - patch: |\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: _\n        spec:\n          interval: 30m\n          prune: true\n      target:\n        kind: Kustomization\n",
            source.0, source.1
        ),
    );
    dir
}

#[test]
fn fields_a_flux_kustomization_patch_adds_are_not_reported_missing() {
    // Followed from the cluster: the child is checked as patched.
    let fleet = fleet_with_defaults_patch(("GitRepository", "flux-system"));
    let (_, report) = lint_json(fleet.path(), &[]);
    assert_eq!(schema_findings(&report), vec![]);
    assert_eq!(report["summary"]["schema"]["validated"], 2);

    // From a source outside the repository: the child is checked as written,
    // and a field that the patch may add is not reported missing.
    let fleet = fleet_with_defaults_patch(("OCIRepository", "apps"));
    let (_, report) = lint_json(fleet.path(), &[]);
    assert_eq!(schema_findings(&report), vec![]);
    assert_eq!(report["summary"]["schema"]["validated"], 2);

    // Without the patch, it is.
    std::fs::remove_file(fleet.path().join("clusters/prod/apps.yaml")).expect("rm");
    let (_, report) = lint_json(fleet.path(), &[]);
    assert_eq!(
        schema_findings(&report),
        vec![(
            "apps/app/ks.yaml".to_string(),
            6,
            "`spec.interval` and `spec.prune` are required".to_string()
        )]
    );
}

#[test]
fn users_schema_directories_check_other_kinds() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "apps/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n",
    );
    write(
        dir.path(),
        "apps/widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    assert_eq!(schema_findings(&report), vec![]);
    assert_eq!(
        report["summary"]["schema"],
        serde_json::json!({"validated": 0, "unchecked": 2})
    );

    let schemas = tempfile::tempdir().expect("tempdir");
    write(
        schemas.path(),
        "deployment-apps-v1.json",
        r#"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}"#,
    );
    write(schemas.path(), "widget.json", "{ not json");
    let dir_arg = schemas.path().to_string_lossy().into_owned();
    let (_, report) = lint_json(dir.path(), &["--schema-dir", &dir_arg]);
    let findings = schema_findings(&report);
    assert_eq!(
        findings[0],
        (
            "apps/deployment.yaml".to_string(),
            6,
            "`spec.replicas` must be an integer, got `two`".to_string()
        )
    );
    assert_eq!(findings[1].0, "apps/widget.yaml");
    assert!(
        findings[1]
            .2
            .starts_with("Widget example.com/v1 is not schema-checked: the schema ")
            && findings[1].2.contains("widget.json is not JSON"),
        "{findings:?}"
    );
    assert_eq!(
        report["summary"]["schema"],
        serde_json::json!({"validated": 1, "unchecked": 1})
    );

    // The same directory from the config, relative to the root.
    let inside = dir.path().join("ci/schemas");
    std::fs::create_dir_all(&inside).expect("mkdir");
    std::fs::copy(
        schemas.path().join("deployment-apps-v1.json"),
        inside.join("deployment-apps-v1.json"),
    )
    .expect("copy");
    write(
        dir.path(),
        ".fleet-lint.yaml",
        "schemas:\n  dirs: [ci/schemas]\n",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    assert_eq!(schema_findings(&report).len(), 1);
}

#[test]
fn secret_values_never_appear_in_schema_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: hunter2-not-base64!\nstringData:\n  pin: 48151623\n",
    );
    let output = common::fleet_lint()
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("48151623"), "{text}");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        schema_findings(&report),
        vec![
            (
                "secret.yaml".to_string(),
                6,
                "`data.password` must be base64 (put clear text under `stringData`)".to_string()
            ),
            (
                "secret.yaml".to_string(),
                8,
                "`stringData.pin` must be a string".to_string()
            ),
        ]
    );
}

#[test]
fn valid_objects_in_the_corpora_pass() {
    let Some(corpora) = shared("corpora") else {
        return;
    };
    let mut validated = 0;
    for (name, path) in common::subdirs(&corpora) {
        let (_, report) = lint_json(&path, &[]);
        assert_eq!(schema_findings(&report), vec![], "{name}");
        validated += report["summary"]["schema"]["validated"]
            .as_u64()
            .unwrap_or(0);
    }
    common::say(&format!(
        "schema: {validated} objects of the corpora validated, no finding"
    ));
    assert!(validated > 500, "{validated}");
}

#[test]
fn human_output_of_the_failing_fixture_is_stable() {
    let output = common::fleet_lint()
        .arg(fixture("schema/fail"))
        .output()
        .expect("runs");
    insta::assert_snapshot!(common::without_timing(&String::from_utf8_lossy(
        &output.stdout
    )));
}

#[test]
fn other_schema_errors_name_the_keyword_not_the_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "credential.yaml",
        "apiVersion: example.com/v1\nkind: Credential\nmetadata:\n  name: db\ntoken: hunter2-in-clear\n",
    );
    let schemas = tempfile::tempdir().expect("tempdir");
    write(
        schemas.path(),
        "credential-example-v1.json",
        r#"{"properties": {"token": {"not": {"pattern": "^hunter"}}}}"#,
    );
    let dir_arg = schemas.path().to_string_lossy().into_owned();
    let output = common::fleet_lint()
        .arg(dir.path())
        .args(["--format", "json", "--schema-dir", &dir_arg])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("hunter2"), "{text}");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        schema_findings(&report),
        vec![(
            "credential.yaml".to_string(),
            5,
            "`token` does not satisfy `not` in its schema".to_string()
        )]
    );
}

#[test]
fn an_error_in_a_base_two_clusters_apply_is_one_finding_landing_on_both() {
    let finding = the_schema_finding_after(
        "infrastructure/notifications/alerts.yaml",
        "  eventSeverity: error\n",
        "  eventSeverity: fatal\n",
    );
    assert_eq!(finding["path"], "infrastructure/notifications/alerts.yaml");
    assert_eq!(finding["line"], 8);
    assert_eq!(
        finding["message"],
        "`spec.eventSeverity` must be one of `info`, `error`, got `fatal`"
    );
    let landings: Vec<&str> = finding["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["message"].as_str())
        .filter(|m| m.starts_with("lands on cluster"))
        .collect();
    assert_eq!(landings.len(), 2, "{finding:#}");
    assert!(
        landings
            .iter()
            .any(|m| m.starts_with("lands on cluster production"))
    );
    assert!(
        landings
            .iter()
            .any(|m| m.starts_with("lands on cluster staging"))
    );
}
