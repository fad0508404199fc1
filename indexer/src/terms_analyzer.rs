//! The words of distinguishing terms: words and two-word phrases,
//! lowercased, neither stemmed (a reader sees "standards", not "standard")
//! nor a common English function word. A phrase joins two words that stood
//! next to each other in the text, so "export of chips" gives "export"
//! and "chips", not "export chips".

use tantivy::tokenizer::{SimpleTokenizer, Token, TokenStream, Tokenizer};

/// Longest word kept, in bytes (longer runs are codes, hashes, URLs).
const LONGEST_WORD: usize = 30;

#[derive(Clone, Default)]
pub struct TermsTokenizer {
    words: SimpleTokenizer,
    tokens: Vec<Token>,
}

impl Tokenizer for TermsTokenizer {
    type TokenStream<'a> = TermsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermsStream<'a> {
        self.tokens.clear();
        let mut words = self.words.token_stream(text);
        // The previous kept word and its position in the text.
        let mut previous: Option<(usize, String)> = None;
        while words.advance() {
            let token = words.token();
            let word = token.text.to_lowercase();
            if !kept(&word) {
                previous = None;
                continue;
            }
            if let Some((at, before)) = &previous {
                if at + 1 == token.position {
                    let phrase = format!("{before} {word}");
                    self.tokens.push(term(phrase, self.tokens.len()));
                }
            }
            self.tokens.push(term(word.clone(), self.tokens.len()));
            previous = Some((token.position, word));
        }
        TermsStream {
            tokens: &self.tokens,
            next: 0,
        }
    }
}

/// A token at `position` (the default, `usize::MAX`, overflows the
/// indexer's position arithmetic even where positions are not kept).
fn term(text: String, position: usize) -> Token {
    Token {
        text,
        position,
        position_length: 1,
        ..Token::default()
    }
}

pub struct TermsStream<'a> {
    tokens: &'a [Token],
    next: usize,
}

impl TokenStream for TermsStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        unreachable!("the terms stream is read only")
    }
}

/// Words of at least two letters' length with a letter in them, not a
/// function word: numbers, initials and "the" say nothing about a group.
fn kept(word: &str) -> bool {
    word.len() <= LONGEST_WORD
        && word.chars().count() >= 2
        && word.chars().any(char::is_alphabetic)
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
        let mut t = TermsTokenizer::default();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
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
