//! The text analyzer of every free-text field: words, at most 40 bytes,
//! lowercased, stemmed (English). The same steps as tantivy's `en_stem`,
//! with one change: stems are remembered per thread. Stemming was a
//! quarter of indexing time, and the words of public comments repeat
//! (a few thousand words make most of any text), so most tokens are a
//! hash lookup instead of a run of the Snowball algorithm.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// The name the schema gives the analyzer; registered on every open index.
pub const TEXT_ANALYZER: &str = "rfd_en";

/// Most stems remembered per thread before the cache starts over.
const CACHE_ENTRIES: usize = 200_000;

pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
}

thread_local! {
    static STEMS: RefCell<FxHashMap<String, String>> = RefCell::new(FxHashMap::default());
}

fn stem_into(word: &str, out: &mut String) {
    STEMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(stem) = cache.get(word) {
            out.clear();
            out.push_str(stem);
            return;
        }
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let stem = stemmer.stem(word).into_owned();
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        out.clear();
        out.push_str(&stem);
        cache.insert(word.to_string(), stem);
    });
}

#[derive(Clone, Copy)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            buffer: String::new(),
        }
    }
}

pub struct CachedStemmerStream<T> {
    tail: T,
    buffer: String,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        stem_into(&token.text, &mut self.buffer);
        std::mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut a = text_analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    #[test]
    fn stems_like_en_stem_with_or_without_the_cache() {
        let mut reference = tantivy::tokenizer::TokenizerManager::default()
            .get("en_stem")
            .unwrap();
        let text = "Critical Minerals, policies and standards-setting; minerals again";
        let mut expected = Vec::new();
        let mut s = reference.token_stream(text);
        while s.advance() {
            expected.push(s.token().text.clone());
        }
        assert_eq!(tokens(text), expected);
        assert_eq!(tokens(text), expected, "second pass, from the cache");
    }
}
