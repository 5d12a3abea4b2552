//! Hostile and careless input (`fixtures/hostile`, and edits of scratch
//! copies): each case ends, in bounded time, with the named diagnostic, and
//! never shows a secret.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{fixture, fleet_lint, lint_json};

/// The credentials of `fixtures/hostile/policy-leak`.
const POLICY_LEAK_SECRETS: [&str; 2] = ["S3cr3t-Robot-Pw9", "Tk-9f8e7d6c5b4a3928"];

/// Users' rules whose messages interpolate a credential URL and a Secret's
/// token, and a pattern whose help shows the value it found: every format,
/// the report file and the baseline come out masked, also when the user has
/// turned `plaintext-secret` off (which drops the findings that found them).
#[test]
fn policy_findings_never_show_the_credentials_they_quote() {
    let dir = fixture("hostile/policy-leak");
    let (_, report) = lint_json(&dir, &[]);
    let message = |rule: &str| -> String {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| format!("{} | {}", f["message"], f["help"]))
            .unwrap_or_default()
    };
    assert!(
        message("house/https-charts").contains("not http://robot:********@charts.example.com"),
        "{}",
        message("house/https-charts")
    );
    assert!(message("house/labelled-secrets").contains("Secret with token ******** has"));
    for (args, text) in every_output(&dir, "  paths: [rules]\n") {
        assert!(text.contains("house/"), "{args:?} reports the users' rules");
        for secret in POLICY_LEAK_SECRETS {
            assert!(!text.contains(secret), "{args:?} shows {secret}");
        }
    }
}

/// What every output of fleet-lint on `dir` shows, with the arguments of each
/// run: every format, each also with a config (`rules:` holding `rules_keys`
/// and `plaintext-secret: off`, which drops the findings that found the
/// credentials), the report file of `-o`, and the baseline file.
fn every_output(dir: &std::path::Path, rules_keys: &str) -> Vec<(Vec<String>, String)> {
    let scratch = tempfile::tempdir().expect("tempdir");
    let off = scratch.path().join("off.yaml");
    std::fs::write(
        &off,
        format!("rules:\n{rules_keys}  severity:\n    plaintext-secret: off\n"),
    )
    .expect("write");
    let off = off.to_string_lossy().into_owned();
    let report_file = scratch.path().join("report.sarif");
    let baseline = scratch.path().join("baseline.json");
    let runs: Vec<Vec<String>> = [
        "human", "concise", "json", "sarif", "github", "junit", "markdown",
    ]
    .iter()
    .flat_map(|format| {
        [
            vec!["--format".into(), format.to_string()],
            vec![
                "--format".into(),
                format.to_string(),
                "--config".into(),
                off.clone(),
            ],
        ]
    })
    .chain([
        vec![
            "--format".into(),
            "sarif".into(),
            "-o".into(),
            report_file.to_string_lossy().into_owned(),
        ],
        vec![
            "--write-baseline".into(),
            baseline.to_string_lossy().into_owned(),
        ],
    ])
    .collect();
    runs.into_iter()
        .map(|args| {
            let output = fleet_lint().arg(dir).args(&args).output().expect("runs");
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&output.stderr));
            for file in [&report_file, &baseline] {
                text.push_str(&std::fs::read_to_string(file).unwrap_or_default());
            }
            (args, text)
        })
        .collect()
}

/// Parts of the credentials of `fixtures/hostile/spelled-secrets`, as written
/// and as they read.
const SPELLED_SECRETS: [&str; 9] = [
    "Zq8",
    "mW4vLp9Tx",
    "Hk3Vb9Qw2Lm8",
    "Rt5Ys1Nx7Pz4",
    "Ab1Cd2Ef3Gh4",
    "Ij5Kl6Mn7Op8",
    "Gg6Hh5Jj4Kk3",
    "Oo9Ii8Uu7",
    "Vv2Bb3Nn4Mm5Qq",
];

/// Credentials whose source text is not their value (an escape, a folded or
/// multi-line scalar, an inline patch) or that sit in a file YAML cannot read
/// are masked where they stand, in every snippet of every format, also when
/// `plaintext-secret` is off and only the `yaml-syntax` snippet shows them.
#[test]
fn secrets_are_masked_where_they_stand_whatever_their_spelling() {
    let dir = fixture("hostile/spelled-secrets");
    let (_, report) = lint_json(&dir, &[]);
    let mut flagged: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plaintext-secret")
        .filter_map(|f| f["path"].as_str())
        .collect();
    flagged.dedup();
    assert_eq!(
        flagged,
        [
            "app.env",
            "broken.yaml",
            "escaped.yaml",
            "folded.yaml",
            "inline/kustomization.yaml",
            "inline/secret.yaml",
            "plainmulti.yaml"
        ]
    );
    for (args, text) in every_output(&dir, "") {
        assert!(text.contains("broken.yaml"), "{args:?} reports the files");
        for secret in SPELLED_SECRETS {
            assert!(!text.contains(secret), "{args:?} shows {secret}:\n{text}");
        }
    }
}

/// A value that itself holds `{{...}}` is printed as written, not expanded
/// again: a HelmRelease named `{{request.object.metadata.name}}` once made the
/// built-in `tenant-service-account` message loop forever.
#[test]
fn a_template_in_a_value_is_not_expanded_again() {
    let fleet = common::scratch_copy("example-fleet");
    let name = "{{request.object.metadata.name}}";
    common::edit(
        &fleet.path().join("tenants/team-b/base/redis.yaml"),
        "  name: redis\n",
        &format!("  name: \"{name}\"\n"),
    );
    let (_, report) = lint_json(fleet.path(), &[]);
    let messages: Vec<&str> = common::findings_in(&report, "tenants/team-b/base/redis.yaml")
        .iter()
        .filter(|f| f["rule"] == "tenant-service-account")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("HelmRelease team-b/{name} of tenant team-b"))),
        "{messages:?}"
    );
}

/// `fleet-lint build ROOT/DIR --root ROOT`, bounded in time (a hang guard).
fn build_within(root: &Path, dir: &str) -> std::process::Output {
    fleet_lint()
        .arg("build")
        .arg(root.join(dir))
        .arg("--root")
        .arg(root)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("runs")
}

/// A linear overlay chain 7 000 levels deep (`o0 -> o1 -> ...`, each
/// `resources: [../oN+1]`) once overflowed the stack (SIGABRT, no report) in
/// lint, `build` and `graph`. Nesting is now bounded: the entry that would go
/// past the budget is a `limit-exceeded` finding, every command ends, and
/// `build` exits 1 because its output leaves levels out.
#[test]
fn a_7000_level_overlay_chain_is_a_finding_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    for level in 0..7000 {
        let folder = dir.path().join(format!("o{level}"));
        std::fs::create_dir(&folder).expect("mkdir");
        let next = if level < 6999 {
            format!("  - ../o{}\n", level + 1)
        } else {
            String::new()
        };
        std::fs::write(
            folder.join("kustomization.yaml"),
            format!("resources:\n  - cm.yaml\n{next}"),
        )
        .expect("write");
        std::fs::write(
            folder.join("cm.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{level}\n"),
        )
        .expect("write");
    }
    let (code, report) = lint_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    let first = common::findings_in(&report, "o99/kustomization.yaml");
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["rule"], "limit-exceeded");
    assert_eq!(first[0]["line"], 3);
    assert_eq!(
        first[0]["message"],
        "kustomizations nest more than 100 levels deep here; `o100` and what it includes were not resolved"
    );
    let build = build_within(dir.path(), "o0");
    let printed = String::from_utf8_lossy(&build.stdout);
    assert_eq!(printed.matches("kind: ConfigMap").count(), 100);
    assert_eq!(
        build.status.code(),
        Some(1),
        "build left levels out: exit 1"
    );
    assert!(String::from_utf8_lossy(&build.stderr).contains("warning[limit-exceeded]"));
    let graph = fleet_lint()
        .arg("graph")
        .arg(dir.path())
        .timeout(Duration::from_secs(300))
        .output()
        .expect("runs");
    assert!(
        graph.status.code().is_some(),
        "graph ends with an exit code: {graph:?}"
    );
}

/// A kustomize "diamond": two folders per level, each listing both folders
/// of the next level under its own `namePrefix`, doubles the objects at each
/// level (44 tiny files reached 2^22 objects and the 8 GB cap in seconds). A
/// build now holds at most 5 000 objects: the entry past the budget is a
/// `limit-exceeded` finding and `build` exits 1, leaving the rest out.
#[test]
fn a_kustomize_diamond_stops_at_the_object_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let levels = 14;
    for level in 0..levels {
        for side in ["a", "b"] {
            let text = if level + 1 < levels {
                let next = level + 1;
                format!("namePrefix: {side}-\nresources:\n  - ../a{next}\n  - ../b{next}\n")
            } else {
                "resources:\n  - cm.yaml\n".to_string()
            };
            common::write_file(
                dir.path(),
                &format!("{side}{level}/kustomization.yaml"),
                &text,
            );
        }
    }
    for side in ["a", "b"] {
        common::write_file(
            dir.path(),
            &format!("{side}{}/cm.yaml", levels - 1),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{side}\n  namespace: a\n"
            ),
        );
    }
    let (_, report) = lint_json(dir.path(), &[]);
    let found = common::findings_in(&report, "a0/kustomization.yaml");
    let limits: Vec<(u64, &str)> = found
        .iter()
        .filter(|f| f["rule"] == "limit-exceeded")
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        limits,
        [(
            4,
            "this build holds more than 5000 objects from here on; the rest were not resolved"
        )]
    );
    let build = build_within(dir.path(), "a0");
    let printed = String::from_utf8_lossy(&build.stdout);
    assert_eq!(printed.matches("kind: ConfigMap").count(), 5000);
    assert_eq!(
        build.status.code(),
        Some(1),
        "build left objects out: exit 1"
    );
}

/// A 1 MiB postBuild variable substituted 8 000 times reached 17.5 GB. The
/// fleet's substitutions may now add 64 MiB in all: past that, values stay
/// as written and one `limit-exceeded` says where it ran out.
#[test]
fn a_large_variable_substituted_many_times_stops_at_the_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = "x".repeat(1 << 20);
    common::write_file(
        dir.path(),
        "clusters/dev/flux-system/gotk-sync.yaml",
        &format!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: flux-system, namespace: flux-system}}\nspec: {{url: https://github.com/example/fleet, ref: {{branch: main}}, interval: 1m}}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: flux-system, namespace: flux-system}}\nspec:\n  interval: 10m\n  prune: true\n  path: ./clusters/dev\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n  postBuild:\n    substitute:\n      BIG: \"{big}\"\n"
        ),
    );
    common::write_file(
        dir.path(),
        "clusters/dev/flux-system/kustomization.yaml",
        "resources: [gotk-sync.yaml]\n",
    );
    let keys: String = (0..100)
        .map(|i| format!("  k{i}: \"${{BIG}}\"\n"))
        .collect();
    common::write_file(
        dir.path(),
        "clusters/dev/cm.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big, namespace: a}}\ndata:\n{keys}"
        ),
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let found: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or("").to_string();
            (text("rule"), f["line"].as_u64().unwrap_or(0), text("path"))
        })
        .collect();
    // 64 values of 1 MiB fit (each adds 1 MiB less the 6 bytes of `${BIG}`);
    // the 65th, on line 69 of the file, does not.
    assert_eq!(
        found,
        [(
            "limit-exceeded".to_string(),
            69,
            "clusters/dev/cm.yaml".to_string()
        )]
    );
}

/// One mapping of 100 000 keys (7 MB, under the size limit) took 53 s: the
/// duplicate-key check scanned every earlier key. Large mappings are now
/// indexed; a duplicate far from its first definition is still found.
#[test]
fn a_mapping_of_100_000_keys_is_checked_in_linear_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..100_000 {
        text.push_str(&format!("  key-{i:06}: \"value-{i:06}\"\n"));
    }
    text.push_str("  key-000007: \"again\"\n");
    std::fs::write(dir.path().join("big.yaml"), text).expect("write");
    let (_, report) = lint_json(dir.path(), &[]);
    let mut findings = common::findings_in(&report, "big.yaml");
    findings.retain(|f| f["rule"] != "no-entry-point");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "yaml-syntax");
    assert_eq!(findings[0]["line"], 100_006);
    assert_eq!(findings[0]["message"], "duplicate mapping key `key-000007`");
}

/// A `configMapGenerator` of 20 000 literals and an env file of 20 000
/// lines: each key once made a copy of the data built so far (18 s in a
/// release build); the data is now made in one pass, each key in its place.
#[test]
fn a_generator_of_20_000_keys_is_built_in_linear_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kustomization = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: env\n    envs: [big.env]\n  - name: literals\n    options:\n      disableNameSuffixHash: true\n    literals:\n",
    );
    let mut env = String::new();
    for i in 0..20_000 {
        kustomization.push_str(&format!("      - K{i}=v{i}\n"));
        env.push_str(&format!("KEY_{i}=value-{i}\n"));
    }
    kustomization.push_str("      - K7=again\n");
    std::fs::create_dir(dir.path().join("app")).expect("mkdir");
    std::fs::write(dir.path().join("app/kustomization.yaml"), kustomization).expect("write");
    std::fs::write(dir.path().join("app/big.env"), env).expect("write");
    let output = build_within(dir.path(), "app");
    assert!(output.status.success(), "{output:?}");
    let built = String::from_utf8_lossy(&output.stdout);
    let keys = |prefix: &str| built.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(keys("  KEY_"), 20_000);
    assert_eq!(keys("  K"), 40_000, "K7 set twice is one key");
    assert!(
        built.contains("  K7: again\n"),
        "the last value of a key wins"
    );
    assert!(built.contains("  name: literals\n"));
}

/// The config comes with the repository (in a pull-request check, from the
/// pull request's author): the paths it names stay inside the linted root,
/// and a symbolic link in a rules folder is not followed out of it. Pointing
/// `rules.paths` at a file outside once printed its `api_password`; a link to
/// `/etc/passwd` printed that file line by line.
#[cfg(unix)]
#[test]
fn config_paths_and_rule_links_stay_inside_the_repository() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("creds.yaml"),
        "api_password: Outside-Pw-4242\n",
    )
    .expect("write");
    let fleet = common::clean_fleet();
    let config = fleet.path().join(".fleet-lint.yaml");
    let outside_dir = outside.path().to_string_lossy().into_owned();
    for (setting, shown) in [
        ("rules:\n  paths: [../../outside]\n", "../../outside"),
        (
            &format!("rules:\n  paths: [\"{outside_dir}\"]\n") as &str,
            &outside_dir as &str,
        ),
        ("schemas:\n  dirs: [schemas/../../x]\n", "schemas/../../x"),
    ] {
        std::fs::write(&config, setting).expect("write");
        let output = fleet_lint().arg(fleet.path()).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{setting}: {stderr}");
        assert!(
            stderr.contains(&format!("`{shown}` is outside the repository")),
            "{setting}: {stderr}"
        );
    }
    std::fs::write(&config, "rules:\n  paths: [rules]\n").expect("write");
    let rules = fleet.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    std::os::unix::fs::symlink(outside.path().join("creds.yaml"), rules.join("creds.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", rules.join("passwd.yaml")).expect("symlink");
    std::os::unix::fs::symlink(&rules, rules.join("loop")).expect("symlink");
    for format in ["human", "json"] {
        let output = fleet_lint()
            .arg(fleet.path())
            .args(["--format", format])
            .timeout(Duration::from_secs(60))
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(!text.contains("Outside-Pw-4242"), "{text}");
        assert!(!text.contains("root:"), "{text}");
        assert_eq!(output.status.code(), Some(0), "{text}");
    }
    let (_, report) = lint_json(fleet.path(), &[]);
    for link in ["rules/creds.yaml", "rules/passwd.yaml"] {
        assert_eq!(found_in(&report, link), [link_out()], "{link}: {report}");
    }
}

/// The finding of a link out of the linted root.
fn link_out() -> (String, u64, String) {
    (
        "file-unreadable".into(),
        1,
        "file not read: a symbolic link to a place outside the linted root, whose objects are not checked".into(),
    )
}

/// Hangs on the file system, each now a named diagnostic: a kustomization
/// listing `a` and `b`, two links to its own folder (once never finished);
/// a FIFO named `*.yaml` that a kustomization lists, or that stands as the
/// config (reading one blocks until a writer comes); a device as the config
/// (`/dev/zero` grew memory without bound).
#[cfg(unix)]
#[test]
fn links_to_itself_fifos_and_devices_end_with_a_diagnostic() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let root = fleet.path();
    std::fs::write(
        root.join("kustomization.yaml"),
        "resources:\n  - a\n  - b\n  - pipe.yaml\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(".", root.join("a")).expect("symlink");
    std::os::unix::fs::symlink(".", root.join("b")).expect("symlink");
    let fifo = |path: &std::path::Path| {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
    };
    fifo(&root.join("pipe.yaml"));
    let (_, report) = lint_json(root, &[]);
    let found = found_in(&report, "kustomization.yaml");
    assert!(
        found.contains(&(
            "kustomize-cycle".into(),
            2,
            "cycle: . -> a (kustomize refuses to build it)".into()
        )),
        "{found:?}"
    );
    let pipe = common::findings_in(&report, "pipe.yaml");
    assert_eq!(pipe.len(), 1, "{report}");
    assert_eq!(pipe[0]["rule"], "file-unreadable");
    assert!(
        pipe[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a regular file")),
        "{pipe:?}"
    );
    let config_fifo = tempfile::tempdir().expect("tempdir");
    fifo(&config_fifo.path().join(".fleet-lint.yaml"));
    for (dir, config) in [(config_fifo.path(), None), (root, Some("/dev/zero"))] {
        let mut command = fleet_lint();
        command.arg(dir).timeout(Duration::from_secs(60));
        if let Some(config) = config {
            command.args(["--config", config]);
        }
        let output = command.output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

/// 16 000 findings in one file, in the human format: each snippet once copied
/// the file, scanned it for every secret and walked it from the start (over
/// two minutes). Snippets now read a shared masked copy through its line index.
#[test]
fn the_human_format_shows_16_000_findings_of_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let documents: Vec<String> = (0..16_000)
        .map(|i| {
            format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: r{i}\n  namespace: a\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("many.yaml"), documents.join("---\n")).expect("write");
    let output = fleet_lint()
        .arg(dir.path())
        .timeout(Duration::from_secs(300))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(" 95996 │ kind: HelmRelease"),
        "the last snippet shows its line"
    );
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("32000 errors, 1 warning in 1 file, 0 clusters"),
        "{summary}"
    );
}

/// Raw ESC and BEL from a file's content and from a file's name once reached
/// the human output (even with `--color never`) and the markdown and GitHub
/// outputs, and a newline in a file name broke the layout. Control characters
/// from the repository are now escaped (`\u{1b}`) in text, and shown as `?`
/// in snippets.
#[cfg(unix)]
#[test]
fn control_characters_from_the_repository_never_reach_the_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease # \u{1b}]0;pwned\u{7}\u{1b}[2J\nmetadata:\n  name: x\n";
    std::fs::write(dir.path().join("a.yaml"), release).expect("write");
    std::fs::write(dir.path().join("b\u{1b}[31m\nname.yaml"), release).expect("write");
    for format in ["human", "concise", "markdown", "github", "junit"] {
        let output = fleet_lint()
            .arg(dir.path())
            .args(["--format", format])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("deprecated-api"), "--format {format}: {text}");
        assert!(
            !text.contains(['\u{1b}', '\u{7}']),
            "--format {format} prints a raw control character"
        );
        if format != "github" {
            assert!(text.contains("b\\u{1b}[31m"), "--format {format}: {text}");
        }
    }
    let human = fleet_lint().arg(dir.path()).output().expect("runs");
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("╭─[b\\u{1b}[31m\\u{a}name.yaml:1:13]"),
        "{human}"
    );
    assert!(
        human.contains("kind: HelmRelease # ?]0;pwned??[2J"),
        "{human}"
    );
}

/// A kustomization entry that is a symbolic link out of the repository was
/// reported as "does not exist"; it exists, and is refused as outside the
/// repository (Flux's filesystem refuses it too). Its content is never read.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_repository_is_reported_as_outside_it() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: Outside-Pw-5151\n",
    )
    .expect("write");
    let fleet = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        fleet.path().join("kustomization.yaml"),
        "resources:\n  - escape/secret.yaml\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(outside.path(), fleet.path().join("escape")).expect("symlink");
    let (_, report) = lint_json(fleet.path(), &[]);
    assert!(!report.to_string().contains("Outside-Pw-5151"));
    let findings = common::findings_in(&report, "kustomization.yaml");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "kustomize-escapes-root");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(
        findings[0]["message"],
        "`escape/secret.yaml` is a symbolic link to a place outside the repository; Flux only reads files inside the source"
    );
}

#[test]
fn a_resource_set_of_thousands_of_inputs_stops_at_its_budget() {
    let dir = common::clean_fleet();
    let inputs: String = (0..6_000).map(|i| format!("    - n: \"{i}\"\n")).collect();
    common::write_file(
        dir.path(),
        "clusters/dev/many.yaml",
        &format!(
            "apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: many\n  namespace: flux-system\nspec:\n  inputs:\n{inputs}  resources:\n    - apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: cm-<< inputs.n >>\n"
        ),
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let limits: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "limit-exceeded")
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or("").to_string();
            (
                text("path"),
                f["line"].as_u64().unwrap_or(0),
                text("message"),
            )
        })
        .collect();
    assert_eq!(
        limits,
        [(
            "clusters/dev/many.yaml".to_string(),
            2,
            "ResourceSet flux-system/many makes more than 5000 objects or copies more than 64 MiB of templates; the objects beyond are not linted".to_string()
        )]
    );
}

/// `(rule, line, message)` of each finding of `report` in `path`.
fn found_in(report: &serde_json::Value, path: &str) -> Vec<(String, u64, String)> {
    common::findings_in(report, path)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A walk that met a FIFO named `kustomization.yaml` or like a rule file,
/// or links out of the repository (to a file, to `/dev/zero`), said nothing
/// of them: each is now listed, never read, and reported.
#[test]
fn fifos_and_links_out_found_by_the_walk_are_reported_not_read() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let root = fleet.path();
    write(&root.join(".fleet-lint.yaml"), "rules:\n  paths: [rules]\n");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    std::fs::create_dir_all(root.join("rules")).expect("mkdir");
    for fifo in ["app/kustomization.yaml", "rules/rule.yaml"] {
        let status = std::process::Command::new("mkfifo")
            .arg(root.join(fifo))
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
    }
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        &outside.path().join("secret.yaml"),
        "api_password: Outside-Pw-77\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        root.join("app/link.yaml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.yaml")).expect("symlink");
    let (code, report) = lint_json(root, &[]);
    assert_eq!(code, 1, "{report}");
    let not_a_file = (
        "file-unreadable".to_string(),
        1,
        "file could not be read: not a regular file (a FIFO, socket or device), so it was not read"
            .to_string(),
    );
    for (path, finding) in [
        ("app/kustomization.yaml", &not_a_file),
        ("rules/rule.yaml", &not_a_file),
        ("app/link.yaml", &link_out()),
        ("zero.yaml", &link_out()),
    ] {
        assert_eq!(
            found_in(&report, path),
            std::slice::from_ref(finding),
            "{path}: {report}"
        );
    }
    assert!(!report.to_string().contains("Outside-Pw-77"));
}

/// File names that are not UTF-8 are shown escaped, not lossily; a line
/// break in a name is escaped in the terminal formats.
#[test]
fn odd_file_names_are_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let fleet = tempfile::tempdir().expect("tempdir");
    let root = fleet.path();
    let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: [unclosed\n";
    write(
        &root.join(std::ffi::OsStr::from_bytes(b"bad\xffname.yaml")),
        broken,
    );
    write(&root.join("new\nline.yaml"), broken);
    let (_, report) = lint_json(root, &[]);
    for path in ["bad\\xffname.yaml", "new\nline.yaml"] {
        let rules: Vec<String> = found_in(&report, path).into_iter().map(|f| f.0).collect();
        assert!(
            rules.contains(&"yaml-syntax".to_string()),
            "{path}: {report}"
        );
    }
    let output = fleet_lint()
        .arg(root)
        .args(["--format", "concise"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("bad\\xffname.yaml:5:1: error[yaml-syntax]"),
        "{text}"
    );
    assert!(
        text.contains("new\\u{a}line.yaml:5:1: error[yaml-syntax]"),
        "{text}"
    );
    assert!(!text.contains('\u{fffd}'), "{text}");
}

/// References that leave the repository, a cycle through three folders, a
/// Flux path that climbs above its source's root, a file over the size
/// limit and a manifest 300 folders deep: each is its named finding.
#[test]
fn references_out_cycles_deep_folders_and_large_files_are_findings() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let root = fleet.path();
    write(
        &root.join("cycle/a/kustomization.yaml"),
        "resources: [../b]\n",
    );
    write(
        &root.join("cycle/b/kustomization.yaml"),
        "resources: [../c]\n",
    );
    write(
        &root.join("cycle/c/kustomization.yaml"),
        "resources: [../a]\n",
    );
    write(
        &root.join("refs/kustomization.yaml"),
        "resources:\n  - /etc/passwd\n  - ../../../../outside\n",
    );
    write(
        &root.join("clusters/dev/sync.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ../../../../etc\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        &root.join("clusters/dev/source.yaml"),
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://github.com/example/fleet\n",
    );
    write(
        &root.join("big.yaml"),
        &format!("data: \"{}\"\n", "x".repeat(1 << 20)),
    );
    let deep: String = (1..=300).map(|i| format!("d{i}/")).collect();
    write(
        &root.join(format!("{deep}cm.yaml")),
        "data: {x: [unclosed\n",
    );
    let (_, report) = lint_json(root, &["--max-file-size", "65536"]);
    let cycle = found_in(&report, "cycle/c/kustomization.yaml");
    assert!(
        cycle.iter().any(|f| f.0 == "kustomize-cycle"
            && f.2 == "cycle: cycle/a -> cycle/b -> cycle/c -> cycle/a (kustomize refuses to build it)"),
        "{cycle:?}"
    );
    assert_eq!(
        found_in(&report, "refs/kustomization.yaml"),
        [
            (
                "kustomize-escapes-root".to_string(),
                2,
                "`/etc/passwd` is an absolute path; Flux only reads files inside the source".to_string()
            ),
            (
                "kustomize-escapes-root".to_string(),
                3,
                "`../../../../outside` leaves the repository root; Flux only reads files inside the source".to_string()
            ),
        ]
    );
    assert_eq!(
        found_in(&report, "clusters/dev/sync.yaml"),
        [(
            "kustomize-missing-ref".to_string(),
            8,
            "Flux Kustomization flux-system/apps builds `../../../../etc`, which climbs above its source's root: Flux stops `..` there and reads `etc`, which does not exist (kustomization path not found)".to_string()
        )]
    );
    let big = found_in(&report, "big.yaml");
    assert_eq!(big.len(), 1, "{big:?}");
    assert_eq!((big[0].0.as_str(), big[0].1), ("file-too-large", 1));
    let deep_findings = found_in(&report, &format!("{deep}cm.yaml"));
    assert_eq!(deep_findings.len(), 1, "{report}");
    assert_eq!(deep_findings[0].0, "yaml-syntax");
}

/// 100 000 tiny manifests: linted within the run's budgets (1.3 s and 223 MB
/// in a release build), every file counted.
#[test]
fn a_hundred_thousand_tiny_files_are_linted() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let root = fleet.path();
    for folder in 0..100 {
        let dir = root.join(format!("d{folder}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for file in 0..1000 {
            std::fs::write(
                dir.join(format!("f{file}.yaml")),
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{folder}-{file}\n"),
            )
            .expect("write");
        }
    }
    let output = fleet_lint()
        .arg(root)
        .args(["--format", "concise"])
        .timeout(Duration::from_secs(300))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("0 errors, 1 warning in 100000 files, 0 clusters, 0 tenants"),
        "{text}"
    );
}
