//! What the resolver finds wrong, as typed problems: the caller decides which
//! rule and severity each kind is reported as (the engine does it in one place).

use crate::source::Span;

/// The kinds of problem resolution finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// kustomize refuses to build this (a bad field, shape or kind, two
    /// kustomization files, a patch naming no object, a document that is not
    /// an object, a directory where a file is expected, ...).
    Invalid,
    /// A patch whose `target` selects no object of a complete build:
    /// kustomize builds it, and the patch does nothing.
    PatchTargetUnmatched,
    /// An inline patch that is not valid YAML.
    InlinePatchSyntax,
    /// An entry kustomize would fetch over the network.
    RemoteRef,
    /// An entry naming a path that does not exist, or a directory without a
    /// kustomization file.
    MissingRef,
    /// An absolute entry, one climbing above the root, or a link leaving it.
    EscapesRoot,
    /// Kustomizations that include each other.
    Cycle,
    /// Two objects with one id in a build.
    DuplicateId,
    /// Kustomizations nested deeper than [`crate::MAX_INCLUDE_DEPTH`].
    TooDeep,
    /// A build holding more than [`crate::MAX_BUILD_OBJECTS`] objects.
    TooLarge,
    /// A field fleet-lint does not evaluate (`helmCharts`, plugins, ...).
    NotEvaluated,
}

impl ProblemKind {
    /// Every kind, so a caller can check that it maps each one.
    pub const ALL: [ProblemKind; 11] = [
        ProblemKind::Invalid,
        ProblemKind::PatchTargetUnmatched,
        ProblemKind::InlinePatchSyntax,
        ProblemKind::RemoteRef,
        ProblemKind::MissingRef,
        ProblemKind::EscapesRoot,
        ProblemKind::Cycle,
        ProblemKind::DuplicateId,
        ProblemKind::TooDeep,
        ProblemKind::TooLarge,
        ProblemKind::NotEvaluated,
    ];
}

/// One problem, where it is, and the places that explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// Where.
    pub span: Span,
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to think about it, when the message alone does not say.
    pub help: Option<&'static str>,
    /// Other places that explain it: a first definition, the entries that
    /// include the directory (nearest first).
    pub related: Vec<(Span, &'static str)>,
}

impl Problem {
    /// A problem of `kind` at `span`.
    pub fn new(kind: ProblemKind, span: Span, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            span,
            message: message.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// This problem, with another place that explains it.
    pub fn with_related(mut self, span: Span, message: &'static str) -> Problem {
        self.related.push((span, message));
        self
    }

    /// This problem, with help.
    pub fn with_help(mut self, help: &'static str) -> Problem {
        self.help = Some(help);
        self
    }
}
