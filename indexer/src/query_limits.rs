//! What a query may be before it is parsed. tantivy's query parser recurses
//! once per nested group and per `NOT` in a row, on whatever thread runs
//! it; 2,500 nested parentheses overflowed a blocking thread's stack and
//! aborted the whole server. So a query is measured with a flat scan, which
//! cannot overflow, and refused above these limits before any parsing.

use crate::search::QueryError;

/// Longest query, in characters. A query longer than a page of text is
/// not one a person types; a saved rule with many alternatives fits.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Deepest nesting: groups (`(`, `[`, `{`) inside groups, and operators
/// (`NOT`, `-`, `+`) that apply to the next one, counted together.
pub const MAX_QUERY_DEPTH: usize = 12;
/// Most words (terms, phrase words and operators) in one query.
pub const MAX_QUERY_TERMS: usize = 200;

/// Refuses a query over a limit, saying which and where.
pub fn check(q: &str) -> Result<(), QueryError> {
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError {
            message: format!(
                "the query is {chars} characters long; at most {MAX_QUERY_CHARS} are allowed"
            ),
            position: Some(MAX_QUERY_CHARS),
        });
    }
    let mut groups = 0usize;
    // Prefix operators waiting for their operand, per group level.
    let mut prefixes: Vec<usize> = vec![0];
    let mut words = 0usize;
    let mut in_phrase = false;
    let mut word = String::new();
    let too_deep = |at: usize| QueryError {
        message: format!("the query nests more than {MAX_QUERY_DEPTH} levels deep"),
        position: Some(at),
    };
    let too_many = |at: usize| QueryError {
        message: format!("the query has more than {MAX_QUERY_TERMS} words"),
        position: Some(at),
    };
    let depth = |groups: usize, prefixes: &[usize]| groups + prefixes.iter().sum::<usize>();
    // The scan sees one more (blank) character at the end, to close a word.
    for (at, c) in q.chars().chain(std::iter::once(' ')).enumerate() {
        if in_phrase {
            if c == '"' || c.is_whitespace() {
                if !word.is_empty() {
                    words += 1;
                    if words > MAX_QUERY_TERMS {
                        return Err(too_many(at));
                    }
                    word.clear();
                }
                in_phrase = c != '"';
            } else {
                word.push(c);
            }
            continue;
        }
        let ends_word = c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"');
        if !ends_word {
            if word.is_empty() && matches!(c, '-' | '+') {
                *prefixes.last_mut().expect("one level") += 1;
                if depth(groups, &prefixes) > MAX_QUERY_DEPTH {
                    return Err(too_deep(at));
                }
                continue;
            }
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            words += 1;
            if words > MAX_QUERY_TERMS {
                return Err(too_many(at));
            }
            let level = prefixes.last_mut().expect("one level");
            if word == "NOT" {
                *level += 1;
                if depth(groups, &prefixes) > MAX_QUERY_DEPTH {
                    return Err(too_deep(at));
                }
            } else if word != "AND" && word != "OR" {
                // An operand: the prefixes before it are used up.
                *level = 0;
            }
            word.clear();
        }
        match c {
            '(' | '[' | '{' => {
                groups += 1;
                prefixes.push(0);
                if depth(groups, &prefixes) > MAX_QUERY_DEPTH {
                    return Err(too_deep(at));
                }
            }
            ')' | ']' | '}' if groups > 0 => {
                groups -= 1;
                prefixes.pop();
                // The group was the operand of the prefixes before it.
                *prefixes.last_mut().expect("one level") = 0;
            }
            '"' => {
                in_phrase = true;
                *prefixes.last_mut().expect("one level") = 0;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_queries_pass() {
        for q in [
            "export controls",
            "\"full-stack AI export package\" AND (asean OR africa)",
            "a AND NOT b",
            "-china +financing",
            "answer.regions:(asean OR \"latin america\") NOT (subsidy OR loan)",
            "organization:\"Example AI Inc.\"",
            "received:[2026-11-01 TO 2026-11-10]",
        ] {
            assert!(check(q).is_ok(), "{q}");
        }
    }

    #[test]
    fn deep_groups_are_refused_where_they_go_too_deep() {
        let ok = format!(
            "{}a{}",
            "(".repeat(MAX_QUERY_DEPTH),
            ")".repeat(MAX_QUERY_DEPTH)
        );
        assert!(check(&ok).is_ok());
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = check(&deep).unwrap_err();
        assert!(e.message.contains("characters"), "{}", e.message);
        let deep = format!("{}a", "(".repeat(MAX_QUERY_DEPTH + 1));
        let e = check(&deep).unwrap_err();
        assert_eq!(e.position, Some(MAX_QUERY_DEPTH));
    }

    #[test]
    fn chains_of_not_count_as_depth_but_separate_nots_do_not() {
        let chain = format!("{}a", "NOT ".repeat(MAX_QUERY_DEPTH + 1));
        assert!(check(&chain).unwrap_err().message.contains("levels"));
        let chain = format!("{}a", "-".repeat(MAX_QUERY_DEPTH + 1));
        assert!(check(&chain).is_err());
        let separate = (0..50).map(|i| format!("NOT w{i}")).collect::<Vec<_>>();
        assert!(check(&format!("a {}", separate.join(" "))).is_ok());
        let nested_chain = format!("{}{}a", "(".repeat(6), "NOT ".repeat(7));
        assert!(check(&nested_chain).is_err());
    }

    #[test]
    fn too_many_words_are_refused() {
        let many = (0..=MAX_QUERY_TERMS)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>();
        assert!(check(&many.join(" "))
            .unwrap_err()
            .message
            .contains("words"));
        let phrase = format!("\"{}\"", many.join(" "));
        assert!(check(&phrase).unwrap_err().message.contains("words"));
        assert!(check(&many[..MAX_QUERY_TERMS].join(" ")).is_ok());
    }
}
