//! Plain text: UTF-8 (with or without a byte-order mark), UTF-16 with a
//! byte-order mark, and otherwise Windows-1252 read byte by byte.

pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        // Latin-1 is the common non-UTF-8 case; its bytes map to the same code points.
        Err(_) => bytes.iter().map(|b| *b as char).collect(),
    }
}

fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|c| read([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn reads_utf8_utf16_and_latin1() {
        assert_eq!(decode("Café".as_bytes()), "Café");
        assert_eq!(decode(b"\xEF\xBB\xBFhi"), "hi");
        assert_eq!(decode(b"\xFF\xFEh\x00i\x00"), "hi");
        assert_eq!(decode(b"caf\xE9"), "café");
    }
}
