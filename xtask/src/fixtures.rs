//! Fixtures that share content. A fixture folder holding `.fixture-base`
//! (one line: a folder under `fixtures/`, such as `bases/tenant-fleet`) is
//! that base with the folder's own files laid over it: a file of the
//! folder's replaces the base's file of the same path. A base may name a base
//! of its own. [`materialize`] writes the whole fleet, for the tests (through
//! `tests/common`), `scripts/compare-outputs.sh` and a user
//! (`cargo xtask fixture NAME DIR`).

use std::fs;
use std::io;
use std::path::Path;

/// The file that names a fixture folder's base.
pub const BASE_MARKER: &str = ".fixture-base";

/// How many bases a chain may have: more is a cycle.
const MAX_BASES: usize = 8;

/// Whether `dir`, or a folder below it, names a base (it must be
/// materialised to be linted).
pub fn uses_bases(dir: &Path) -> bool {
    if dir.join(BASE_MARKER).is_file() {
        return true;
    }
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().is_dir() && uses_bases(&e.path()))
        })
        .unwrap_or(false)
}

/// Writes `fixtures/<name>` into `into`, every folder below it that names a
/// base laid over that base. `fixtures` is the fixtures folder.
pub fn materialize(fixtures: &Path, name: &str, into: &Path) -> io::Result<()> {
    copy_own(fixtures, &fixtures.join(name), into)
}

/// Copies `from` into `to` (markers left out), then fills in each folder's
/// base where the folder has no file of its own.
fn copy_own(fixtures: &Path, from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in sorted_entries(from)? {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_own(fixtures, &path, &target)?;
        } else if entry.file_name() != BASE_MARKER {
            fs::copy(&path, &target)?;
        }
    }
    lay_bases(fixtures, from, to, 0)
}

/// Lays the base `dir` names (if any), and that base's own base, under `to`.
fn lay_bases(fixtures: &Path, dir: &Path, to: &Path, depth: usize) -> io::Result<()> {
    let marker = dir.join(BASE_MARKER);
    if !marker.is_file() {
        return Ok(());
    }
    if depth == MAX_BASES {
        return Err(io::Error::other(format!(
            "{}: more than {MAX_BASES} bases in a chain (a cycle?)",
            marker.display()
        )));
    }
    let base = fixtures.join(fs::read_to_string(&marker)?.trim());
    if !base.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: no base folder {}", marker.display(), base.display()),
        ));
    }
    fill_in(&base, to)?;
    lay_bases(fixtures, &base, to, depth + 1)
}

/// Copies the files of `base` into `to` where `to` has none of that path.
fn fill_in(base: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in sorted_entries(base)? {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            fill_in(&path, &target)?;
        } else if entry.file_name() != BASE_MARKER && !target.exists() {
            fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<fs::DirEntry>> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    #[test]
    fn a_folder_is_its_base_with_its_own_files_over_it() {
        let fixtures = tempfile::tempdir().expect("tempdir");
        let root = fixtures.path();
        write(root, "bases/bootstrap/flux.yaml", "bootstrap\n");
        write(root, "bases/fleet/.fixture-base", "bases/bootstrap\n");
        write(root, "bases/fleet/app.yaml", "base app\n");
        write(root, "bases/fleet/team.yaml", "base team\n");
        write(root, "rules/x/fail/.fixture-base", "bases/fleet\n");
        write(root, "rules/x/fail/app.yaml", "own app\n");
        assert!(uses_bases(&root.join("rules")));
        let out = tempfile::tempdir().expect("tempdir");
        materialize(root, "rules", out.path()).expect("materialises");
        let read = |rel: &str| fs::read_to_string(out.path().join(rel)).ok();
        assert_eq!(read("x/fail/app.yaml").as_deref(), Some("own app\n"));
        assert_eq!(read("x/fail/team.yaml").as_deref(), Some("base team\n"));
        assert_eq!(read("x/fail/flux.yaml").as_deref(), Some("bootstrap\n"));
        assert_eq!(read("x/fail/.fixture-base"), None);
    }

    #[test]
    fn a_missing_base_or_a_cycle_is_an_error() {
        let fixtures = tempfile::tempdir().expect("tempdir");
        let root = fixtures.path();
        write(root, "a/.fixture-base", "b\n");
        write(root, "b/.fixture-base", "a\n");
        write(root, "c/.fixture-base", "nowhere\n");
        let out = tempfile::tempdir().expect("tempdir");
        assert!(materialize(root, "a", &out.path().join("a")).is_err());
        assert!(materialize(root, "c", &out.path().join("c")).is_err());
    }
}
