//! The file store: every file fleet-lint reads, with its path relative to the
//! linted root and a line index for turning positions into line/column pairs.
//!
//! Files are read once and shared (`Arc`) by every later stage; nothing else in
//! the crate touches the disk for manifest content.

use std::sync::Arc;

/// Index of a file in a [`SourceStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A position in a file: 1-based line, 0-based column in characters, byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 0-based column, in characters.
    pub col: u32,
    /// Byte offset from the start of the file.
    pub offset: u32,
}

/// A half-open range of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the span is in.
    pub file: FileId,
    /// Where the span starts.
    pub start: Pos,
    /// Just past where the span ends.
    pub end: Pos,
}

impl Span {
    /// An empty span at the first character of a file, for file-level findings.
    pub fn file_start(file: FileId) -> Span {
        let start = Pos {
            line: 1,
            col: 0,
            offset: 0,
        };
        Span {
            file,
            start,
            end: start,
        }
    }
}

/// One file of the linted repository.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the linted root, `/`-separated.
    pub path: Arc<str>,
    /// The file's text; empty when the file could not be decoded.
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// A file at `path` (root-relative, `/`-separated) holding `text`.
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let line_starts = std::iter::once(0)
            .chain(newline_offsets(&text).map(|i| i as u32 + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// Number of lines (a final line without a newline counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    /// The position of 1-based `line` and 0-based character column `col`.
    /// Out-of-range values are clamped to the end of the line or file.
    pub fn pos(&self, line: u32, col: u32) -> Pos {
        let idx = (line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts.get(idx) else {
            let last = self.line_starts.len() as u32;
            return Pos {
                line: last,
                col: 0,
                offset: self.text.len() as u32,
            };
        };
        let line_text = self.line_text(idx as u32 + 1);
        let byte_in_line = line_text
            .char_indices()
            .nth(col as usize)
            .map_or(line_text.len(), |(b, _)| b);
        Pos {
            line: idx as u32 + 1,
            col,
            offset: start + byte_in_line as u32,
        }
    }

    /// The position of a byte offset (clamped to the text).
    pub fn pos_of_offset(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let idx = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[idx] as usize;
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Pos {
            line: idx as u32 + 1,
            col: col as u32,
            offset: offset as u32,
        }
    }
}

fn newline_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceStore {
    files: Vec<Arc<SourceFile>>,
}

impl SourceStore {
    /// Adds `file`, returning its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(Arc::new(file));
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id.0 as usize]
    }

    /// How many files the store holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the store holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Puts `prefix` before every file's path, for reports read from a
    /// directory above the linted root (`--path-prefix`).
    pub fn prefix_paths(&mut self, prefix: &str) {
        for file in &mut self.files {
            let renamed = SourceFile {
                path: format!("{prefix}{}", file.path).into(),
                text: Arc::clone(&file.text),
                line_starts: file.line_starts.clone(),
            };
            *file = Arc::new(renamed);
        }
    }

    /// Every file with its id, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_bytes() {
        let f = SourceFile::new("a.yaml", "a: é\nb: x\n");
        assert_eq!(f.line_count(), 3);
        assert_eq!(f.line_text(2), "b: x");
        let p = f.pos(1, 3);
        assert_eq!((p.line, p.col, p.offset), (1, 3, 3));
        let p = f.pos(2, 3);
        assert_eq!(p.offset, 9);
        assert_eq!(f.pos_of_offset(9), p);
    }
}
