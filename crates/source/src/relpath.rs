//! Root-relative paths: every path fleet-lint reports or resolves is relative
//! to the linted root, `/`-separated, normalised (no `.`, no `..`), and `""`
//! for the root itself, whatever the platform.

use std::path::Path;

/// Why an entry cannot be joined to a root-relative path inside the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// `/etc/hosts`, `file:///x`.
    Absolute,
    /// `../../..` climbing above the root.
    EscapesRoot,
}

/// `dir` joined with `entry` and normalised; an error when the result would
/// leave the root.
///
/// ```
/// use fleet_lint_source::relpath::{PathError, join};
///
/// assert_eq!(join("tenants/a/prod", "../base"), Ok("tenants/a/base".to_string()));
/// assert_eq!(join("a", "../.."), Err(PathError::EscapesRoot));
/// ```
pub fn join(dir: &str, entry: &str) -> Result<String, PathError> {
    if entry.starts_with('/')
        || entry.starts_with('\\')
        || entry.to_ascii_lowercase().starts_with("file://")
    {
        return Err(PathError::Absolute);
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// The directory part of a root-relative file path.
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The last part of a root-relative path.
pub fn file_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// True when `ancestor` is `path` or one of its parent directories.
pub fn contains(ancestor: &str, path: &str) -> bool {
    ancestor.is_empty()
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `path` relative to `root`, `/`-separated; `None` when it is not under `root`.
/// A name that is not UTF-8 keeps its other bytes escaped (`bad\xffname.yaml`),
/// not replaced, so two such names stay two paths and read as they are.
pub fn relative_path(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| escaped(c.as_os_str())).collect();
    Some(parts.join("/"))
}

/// `name` as text, each byte that is not UTF-8 written `\xNN`.
#[cfg(unix)]
fn escaped(name: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// `name` as text (names on this platform are Unicode, or replaced lossily).
#[cfg(not(unix))]
fn escaped(name: &std::ffi::OsStr) -> String {
    name.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_escaped_not_replaced() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname.yaml");
        let path = Path::new("/r/dir").join(name);
        assert_eq!(
            relative_path(&path, Path::new("/r")).as_deref(),
            Some("dir/bad\\xffname.yaml")
        );
    }

    #[test]
    fn joins_and_normalises() {
        assert_eq!(
            join("tenants/a/prod", "../base"),
            Ok("tenants/a/base".into())
        );
        assert_eq!(join("a", "./b/./c.yaml"), Ok("a/b/c.yaml".into()));
        assert_eq!(join("", "."), Ok(String::new()));
        assert_eq!(join("a", "../.."), Err(PathError::EscapesRoot));
        assert_eq!(join("a", "/etc/hosts"), Err(PathError::Absolute));
    }

    #[test]
    fn ancestry() {
        assert!(contains("a/b", "a/b/c"));
        assert!(contains("a/b", "a/b"));
        assert!(!contains("a/b", "a/bc"));
        assert!(contains("", "x"));
    }

    #[test]
    fn names_and_parents() {
        assert_eq!(file_name("a/b/c.yaml"), "c.yaml");
        assert_eq!(parent("a/b/c.yaml"), "a/b");
        assert_eq!(parent("c.yaml"), "");
    }
}
