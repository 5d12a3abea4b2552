//! Inline YAML inside a kustomization (`patches[].patch: |`, inline
//! `patchesStrategicMerge` entries): parsed on its own, then every span is
//! moved back to where the text sits in the kustomization file.

use crate::source::{FileId, Pos, SourceFile, Span};
use crate::yaml::{Document, LoadLimits, Node, ScalarStyle, Value, load_yaml};

/// The documents of the YAML text held by scalar `scalar` of file `file`
/// (whose source is `source`), with spans in that file; `Err` holds the parse
/// error's message and span.
pub fn parse(
    scalar: &Node,
    source: &SourceFile,
    file: FileId,
) -> Result<Vec<Document>, (String, Span)> {
    let text = scalar.as_str().unwrap_or("");
    let inner = SourceFile::new(source.path.clone(), text);
    let mut loaded = load_yaml(file, &inner, LoadLimits::default());
    let origin = content_origin(scalar, source);
    let relocate = |span: Span| Span {
        file,
        start: relocate_pos(span.start, origin, source),
        end: relocate_pos(span.end, origin, source),
    };
    if let Some(error) = loaded.errors.first() {
        return Err((error.message.clone(), relocate(error.span)));
    }
    for doc in &mut loaded.documents {
        walk(std::sync::Arc::make_mut(&mut doc.root), &relocate);
    }
    Ok(loaded.documents)
}

/// Where the scalar's text starts: (line, column). saphyr starts a block
/// scalar's span at its first content line; the text's column 0 is that
/// line's indentation.
fn content_origin(scalar: &Node, source: &SourceFile) -> (u32, u32) {
    match &scalar.value {
        Value::Scalar(_, ScalarStyle::Block) => {
            let line = scalar.span.start.line;
            let indent = source
                .line_text(line)
                .chars()
                .take_while(|c| *c == ' ')
                .count();
            (line, indent as u32)
        }
        Value::Scalar(_, ScalarStyle::Quoted) => {
            (scalar.span.start.line, scalar.span.start.col + 1)
        }
        _ => (scalar.span.start.line, scalar.span.start.col),
    }
}

fn relocate_pos(pos: Pos, (line, col): (u32, u32), source: &SourceFile) -> Pos {
    let new_line = line + pos.line.saturating_sub(1);
    let new_col = pos.col + col;
    source.pos(new_line, new_col)
}

fn walk(node: &mut Node, relocate: &impl Fn(Span) -> Span) {
    node.span = relocate(node.span);
    match &mut node.value {
        Value::Map(entries) => {
            for entry in entries {
                walk(&mut entry.key, relocate);
                walk(&mut entry.value, relocate);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| walk(i, relocate)),
        Value::Scalar(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_land_in_the_kustomization_file() {
        let text = "patches:\n  - patch: |\n      - op: replace\n        path: /spec/x\n        value: 2\n";
        let source = SourceFile::new("k.yaml", text);
        let root = load_yaml(FileId(3), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
        let scalar = root.get("patches").unwrap().as_seq().unwrap()[0]
            .get("patch")
            .unwrap()
            .clone();
        let docs = parse(&scalar, &source, FileId(3)).expect("parses");
        let op = &docs[0].root.as_seq().unwrap()[0];
        let path = op.get("path").unwrap();
        assert_eq!(
            (path.span.file, path.span.start.line, path.span.start.col),
            (FileId(3), 4, 14)
        );
    }
}
