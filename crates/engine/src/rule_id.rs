//! [`RuleId`]: a built-in rule's typed id, for every stage that raises one
//! (a misspelt id does not compile). Generated from the declarations in
//! `rule_list.rs`; what else they say is the rules registry's
//! (`rules::BUILTIN_RULES`).

use std::fmt;

/// Generates [`RuleId`] from the declarations (the rest of each is ignored here).
macro_rules! declare_rule_ids {
    ($(
        $variant:ident = $id:literal {
            severity: $severity:ident,
            $(also: $also:literal,)?
            tags: [$($tag:ident),*],
            by: [$($by:ident $(($check:path))?),+],
            summary: $summary:literal,
        }
    )+) => {
        /// A built-in rule's id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $(
                #[doc = concat!("`", $id, "`: ", $summary)]
                $variant,
            )+
        }

        impl RuleId {
            /// Every built-in rule, in declaration order.
            pub const ALL: &[RuleId] = &[$(RuleId::$variant),+];

            /// The id as users write it (`tenant-service-account`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)+
                }
            }

            /// The built-in rule named `id`, if there is one.
            pub fn parse(id: &str) -> Option<RuleId> {
                match id {
                    $($id => Some(RuleId::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

crate::rule_list::builtin_rules!(declare_rule_ids);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
