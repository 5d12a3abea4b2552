//! The load stage over the real fleets in `../shared/corpora` (skipped when absent):
//! every corpus is read without a crash and without a false `yaml-syntax` finding
//! (all of them parse; see the corpora's INDEX.md).

mod common;

use common::{lint_json, shared};

#[test]
fn every_corpus_loads_without_yaml_findings() {
    let Some(corpora) = shared("corpora") else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&corpora)
        .expect("corpora readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no corpus in {}", corpora.display());
    for dir in dirs {
        let (code, report) = lint_json(&dir, &["--fail-on", "error"]);
        let findings = report["findings"].as_array().expect("findings");
        let unexpected: Vec<_> = findings
            .iter()
            .filter(|f| f["rule"] != "empty-file")
            .collect();
        eprintln!(
            "{}: {} files, {} findings",
            dir.file_name().unwrap_or_default().to_string_lossy(),
            report["summary"]["files"],
            findings.len()
        );
        assert!(unexpected.is_empty(), "{}: {unexpected:#?}", dir.display());
        assert_eq!(code, 0, "{}", dir.display());
    }
}
