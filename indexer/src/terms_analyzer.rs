//! The words of distinguishing terms: words and two-word phrases,
//! lowercased, neither stemmed (a reader sees "standards", not "standard")
//! nor a common English function word. A phrase joins two words that stood
//! next to each other in the text, so "export of chips" gives "export"
//! and "chips", not "export chips".

use tantivy::tokenizer::{SimpleTokenizer, TokenStream, Tokenizer};

/// Longest word kept, in bytes (longer runs are codes, hashes, URLs).
const LONGEST_WORD: usize = 30;

/// Cuts texts into terms, reusing its buffers: a sample of thousands of
/// comments is hundreds of thousands of words, and a `String` for each
/// was a fifth of the time distinguishing terms took.
#[derive(Default)]
pub struct Terms {
    words: SimpleTokenizer,
    word: String,
    previous: String,
    phrase: String,
}

impl Terms {
    /// Hands `each` every term of `text` in order: each kept word, and
    /// before it the phrase it makes with the word just before it.
    pub fn each(&mut self, text: &str, mut each: impl FnMut(&str)) {
        let mut words = self.words.token_stream(text);
        // The position of the previous kept word, if the last word was kept.
        let mut previous_at: Option<usize> = None;
        while words.advance() {
            let token = words.token();
            self.word.clear();
            if token.text.is_ascii() {
                // Most words: lowercased a byte at a time.
                self.word.push_str(&token.text);
                self.word.make_ascii_lowercase();
            } else {
                for c in token.text.chars() {
                    self.word.extend(c.to_lowercase());
                }
            }
            if !kept(&self.word) {
                previous_at = None;
                continue;
            }
            if previous_at.is_some_and(|at| at + 1 == token.position) {
                self.phrase.clear();
                self.phrase.push_str(&self.previous);
                self.phrase.push(' ');
                self.phrase.push_str(&self.word);
                each(&self.phrase);
            }
            each(&self.word);
            std::mem::swap(&mut self.previous, &mut self.word);
            previous_at = Some(token.position);
        }
    }
}

/// Words of at least two letters' length with a letter in them, not a
/// function word: numbers, initials and "the" say nothing about a group.
fn kept(word: &str) -> bool {
    word.len() <= LONGEST_WORD
        && (word.len() >= 4 || word.chars().count() >= 2)
        && (word.bytes().any(|b| b.is_ascii_alphabetic()) || word.chars().any(char::is_alphabetic))
        && !is_stop_word(word)
}

/// English function words (NLTK's list, with the pieces the tokenizer
/// leaves of contractions), and words every RFI comment uses.
fn is_stop_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "about"
            | "above"
            | "after"
            | "again"
            | "against"
            | "all"
            | "also"
            | "am"
            | "an"
            | "and"
            | "any"
            | "are"
            | "aren"
            | "as"
            | "at"
            | "be"
            | "because"
            | "been"
            | "before"
            | "being"
            | "below"
            | "between"
            | "both"
            | "but"
            | "by"
            | "can"
            | "could"
            | "couldn"
            | "did"
            | "didn"
            | "do"
            | "does"
            | "doesn"
            | "doing"
            | "don"
            | "down"
            | "during"
            | "each"
            | "etc"
            | "few"
            | "for"
            | "from"
            | "further"
            | "had"
            | "hadn"
            | "has"
            | "hasn"
            | "have"
            | "haven"
            | "having"
            | "he"
            | "her"
            | "here"
            | "hers"
            | "herself"
            | "him"
            | "himself"
            | "his"
            | "how"
            | "however"
            | "i"
            | "if"
            | "in"
            | "into"
            | "is"
            | "isn"
            | "it"
            | "its"
            | "itself"
            | "just"
            | "ll"
            | "may"
            | "me"
            | "might"
            | "more"
            | "most"
            | "must"
            | "mustn"
            | "my"
            | "myself"
            | "no"
            | "nor"
            | "not"
            | "now"
            | "of"
            | "off"
            | "on"
            | "once"
            | "only"
            | "or"
            | "other"
            | "our"
            | "ours"
            | "ourselves"
            | "out"
            | "over"
            | "own"
            | "re"
            | "same"
            | "shall"
            | "shan"
            | "she"
            | "should"
            | "shouldn"
            | "so"
            | "some"
            | "such"
            | "than"
            | "that"
            | "the"
            | "their"
            | "theirs"
            | "them"
            | "themselves"
            | "then"
            | "there"
            | "these"
            | "they"
            | "this"
            | "those"
            | "through"
            | "to"
            | "too"
            | "under"
            | "until"
            | "up"
            | "us"
            | "ve"
            | "very"
            | "was"
            | "wasn"
            | "we"
            | "were"
            | "weren"
            | "what"
            | "when"
            | "where"
            | "which"
            | "while"
            | "who"
            | "whom"
            | "why"
            | "will"
            | "with"
            | "won"
            | "would"
            | "wouldn"
            | "you"
            | "your"
            | "yours"
            | "yourself"
            | "yourselves"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        Terms::default().each(text, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn words_and_phrases_of_neighbours_without_function_words() {
        assert_eq!(
            terms("The export of Sovereign Compute corridors, 2025 a-b"),
            vec![
                "export",
                "sovereign",
                "sovereign compute",
                "compute",
                "compute corridors",
                "corridors",
            ]
        );
    }

    #[test]
    fn punctuation_does_not_break_a_phrase_but_a_dropped_word_does() {
        // The tokenizer's positions count words, so "data; centers" are
        // neighbours, while "data and centers" are not.
        assert_eq!(
            terms("data; centers"),
            vec!["data", "data centers", "centers"]
        );
        assert_eq!(terms("data and centers"), vec!["data", "centers"]);
        assert_eq!(terms(""), Vec::<String>::new());
        assert_eq!(
            terms("Ünïcode Wörds"),
            vec!["ünïcode", "ünïcode wörds", "wörds"]
        );
    }
}
