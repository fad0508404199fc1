//! Organization names resolved: "Microsoft Corp.", "Microsoft Corporation"
//! and "MICROSOFT" are one organization. A name's *key* ignores case,
//! accents, punctuation, a leading "The", legal suffixes ("Inc.", "LLC",
//! "GmbH", ...) and spells common abbreviations out ("Univ." is
//! "university", "Intl" "international", "&" "and"). Analysts correct what
//! the key gets wrong; their corrections are kept by the server and win.

/// Legal forms dropped from the end of a name (after punctuation is
/// gone, lowercase), longest first where one ends another.
const LEGAL_SUFFIXES: &[&str] = &[
    "incorporated",
    "corporation",
    "company",
    "limited",
    "l l c",
    "llc",
    "llp",
    "lp",
    "ltd",
    "inc",
    "corp",
    "co",
    "plc",
    "pbc",
    "gmbh",
    "ag",
    "sa",
    "s a",
    "bv",
    "nv",
    "pte",
    "pty",
    "srl",
    "spa",
    "kk",
    "oy",
    "ab",
    "as",
];

/// Abbreviations spelled out, word by word.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("univ", "university"),
    ("intl", "international"),
    ("natl", "national"),
    ("assn", "association"),
    ("assoc", "association"),
    ("dept", "department"),
    ("tech", "technology"),
    ("techs", "technologies"),
    ("mfg", "manufacturing"),
    ("inst", "institute"),
    ("ctr", "center"),
    ("centre", "center"),
    ("svcs", "services"),
    ("sys", "systems"),
    ("grp", "group"),
    ("&", "and"),
    ("+", "and"),
];

/// The key names of one organization share. Empty for a name of nothing
/// but punctuation or a legal form.
pub fn key(name: &str) -> String {
    // Words: letters and digits, lowercased and without accents; "&"
    // and "+" stand alone as words; other characters split words.
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for c in name.chars() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                word.push(fold(l));
            }
        } else if c == '\'' || c == '\u{2019}' {
            // "Int'l", "McDonald's": the apostrophe joins.
        } else {
            flush(&mut word, &mut words);
            if c == '&' || c == '+' {
                words.push(c.to_string());
            }
        }
    }
    flush(&mut word, &mut words);
    let mut words: Vec<String> = words
        .into_iter()
        .map(|w| {
            ABBREVIATIONS
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, full)| full.to_string())
        })
        .collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    // Legal forms at the end, possibly several ("Foo Holdings Co Ltd").
    loop {
        let found = LEGAL_SUFFIXES.iter().find_map(|s| {
            let n = s.split(' ').count();
            let tail = words.get(words.len().checked_sub(n)?..)?;
            (words.len() > n && s.split(' ').eq(tail.iter().map(String::as_str))).then_some(n)
        });
        let Some(n) = found else { break };
        words.truncate(words.len() - n);
    }
    words.join(" ")
}

/// A letter without its accent, for the common Latin ones.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn spellings_of_one_organization_share_a_key() {
        for group in [
            &[
                "Microsoft Corp.",
                "Microsoft Corporation",
                "MICROSOFT",
                "microsoft, inc",
            ][..],
            &["The Boeing Company", "Boeing Co.", "BOEING"],
            &["Univ. of Michigan", "University of Michigan"],
            &["AT&T Inc.", "AT and T", "at & t"],
            &["Siemens AG", "Siemens"],
            &["Société Générale S.A.", "Societe Generale"],
            &[
                "Int'l Business Machines Corp",
                "International Business Machines Corporation",
            ],
            &["Foo Holdings Co., Ltd.", "Foo Holdings"],
        ] {
            let keys: Vec<String> = group.iter().map(|n| key(n)).collect();
            assert!(
                keys.iter().all(|k| k == &keys[0] && !k.is_empty()),
                "{group:?}: {keys:?}"
            );
        }
    }

    #[test]
    fn different_organizations_stay_apart() {
        assert_ne!(key("Microsoft"), key("Micron Technology"));
        assert_ne!(key("Apple Inc."), key("Applied Materials"));
        assert_ne!(key("Company"), key("Co"), "a lone legal form is the name");
        assert_eq!(key("Inc."), "inc");
        assert_eq!(key("The"), "the");
        assert_eq!(key("..."), "");
    }
}
