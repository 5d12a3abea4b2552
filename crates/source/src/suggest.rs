//! "Did you mean" hints: the candidate closest to a misspelt word.

/// The candidate closest to `word` by edit distance, if at most `max` edits away.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= max && *c != word)
        .min()
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for the closest candidate, else nothing.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> String {
    closest(word, candidates, max).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_closest_candidate() {
        assert_eq!(edit_distance("yaml-sytnax", "yaml-syntax"), 2);
        let rules = ["yaml-syntax", "empty-file"];
        assert_eq!(closest("yaml-sintax", rules, 3), Some("yaml-syntax"));
        assert_eq!(closest("zzz", rules, 3), None);
        assert_eq!(
            did_you_mean("rots", ["roots"], 2),
            " (did you mean `roots`?)"
        );
        assert_eq!(did_you_mean("roots", ["roots"], 2), "");
    }
}
