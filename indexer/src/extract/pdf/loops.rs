//! Loops in a PDF's structure that pdf-extract would follow forever: a
//! page whose `/Parent` chain comes back to itself (inherited attributes
//! are looked up the chain), and a form XObject that draws itself, at
//! once or through other forms (`Do` is followed by recursion).

use pdf_extract::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, HashSet};

/// What loops, if anything.
pub fn find(doc: &Document) -> Option<&'static str> {
    if parents_loop(doc) {
        return Some("the page tree loops");
    }
    if forms_loop(doc) {
        return Some("a drawing in the file draws itself");
    }
    None
}

fn parents_loop(doc: &Document) -> bool {
    doc.get_pages().into_values().any(|page| {
        let mut seen = HashSet::new();
        let mut at = page;
        loop {
            if !seen.insert(at) {
                return true;
            }
            match doc
                .get_dictionary(at)
                .and_then(|d| d.get(b"Parent"))
                .and_then(|p| p.as_reference())
            {
                Ok(parent) => at = parent,
                Err(_) => return false,
            }
        }
    })
}

/// A dictionary entry, through a reference if it is one.
fn resolve<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let object = dict.get(key).ok()?;
    doc.dereference(object).ok().map(|(_, o)| o)
}

/// A dictionary's `/Resources`, if it is a dictionary (as pdf-extract
/// takes it: anything else means the caller's).
fn resources_of<'a>(doc: &'a Document, dict: &'a Dictionary) -> Option<&'a Dictionary> {
    resolve(doc, dict, b"Resources").and_then(|r| r.as_dict().ok())
}

/// The XObjects each XObject draws. pdf-extract follows `Do` to any
/// stream an XObject dictionary names, whatever its `/Subtype` says (a
/// mutated "/Form" draws as well), and one without a dictionary of
/// resources of its own draws from its caller's, which this does not
/// track: its names are looked up in every XObject dictionary of the
/// file, which can only find more edges, never fewer.
fn forms_loop(doc: &Document) -> bool {
    let xobjects_of = |dict: &Dictionary| -> Vec<(Vec<u8>, ObjectId)> {
        resources_of(doc, dict)
            .and_then(|r| resolve(doc, r, b"XObject"))
            .and_then(|x| x.as_dict().ok())
            .map(|x| {
                x.iter()
                    .filter_map(|(name, o)| o.as_reference().ok().map(|id| (name.clone(), id)))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Every name any XObject dictionary gives, and every stream drawn.
    let mut anywhere: HashMap<Vec<u8>, Vec<ObjectId>> = HashMap::new();
    for object in doc.objects.values() {
        let dict = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        for (name, id) in xobjects_of(dict) {
            anywhere.entry(name).or_default().push(id);
        }
    }
    let drawn: HashSet<ObjectId> = anywhere.values().flatten().copied().collect();
    if drawn.is_empty() {
        return false;
    }
    let mut draws: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    for id in drawn {
        let Some(stream) = doc.objects.get(&id).and_then(|o| o.as_stream().ok()) else {
            continue;
        };
        let own: Option<HashMap<Vec<u8>, ObjectId>> = resources_of(doc, &stream.dict)
            .map(|_| xobjects_of(&stream.dict).into_iter().collect());
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let Ok(content) = pdf_extract::content::Content::decode(&content) else {
            continue;
        };
        let mut targets = Vec::new();
        for op in content.operations.iter().filter(|op| op.operator == "Do") {
            let Some(name) = op.operands.first().and_then(|n| n.as_name().ok()) else {
                continue;
            };
            match &own {
                Some(own) => targets.extend(own.get(name).copied()),
                None => targets.extend(anywhere.get(name).into_iter().flatten().copied()),
            }
        }
        draws.insert(id, targets);
    }
    // Depth-first search for a cycle, iteratively (a hostile file may
    // chain thousands of forms).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<ObjectId, Mark> = HashMap::new();
    for start in draws.keys() {
        if marks.contains_key(start) {
            continue;
        }
        let mut stack = vec![(*start, 0usize)];
        marks.insert(*start, Mark::Open);
        while let Some((node, next)) = stack.pop() {
            let targets = draws.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&target) = targets.get(next) {
                stack.push((node, next + 1));
                match marks.get(&target) {
                    Some(Mark::Open) => return true,
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(target, Mark::Open);
                        stack.push((target, 0));
                    }
                }
            } else {
                marks.insert(node, Mark::Done);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::extract::pdf::extract;
    use crate::extract::ExtractError;

    /// A PDF of these objects (numbered from 1, the first the catalog),
    /// with a correct cross-reference table.
    fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend(o);
            out.extend(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(dict: &str, content: &str) -> Vec<u8> {
        format!(
            "<< {dict} /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
        .into_bytes()
    }

    const PAGE: &str = "/Type /Page /MediaBox [0 0 612 792] /Parent 2 0 R";
    const TEXT: &str = "BT /F1 12 Tf 72 712 Td (drawn hello) Tj ET";

    /// Page 3 draws form 5, which draws form 6 (`inner`), which draws ...
    fn with_forms(inner_draws: &str) -> Vec<u8> {
        pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            format!("<< {PAGE} /Contents 4 0 R /Resources << /XObject << /Fm1 5 0 R >> >> >>")
                .into_bytes(),
            stream("", "/Fm1 Do"),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 612 792] \
                 /Resources << /XObject << /Fm2 6 0 R >> /Font << /F1 7 0 R >> >>",
                "/Fm2 Do",
            ),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 612 792] \
                 /Resources << /XObject << /Fm1 5 0 R >> /Font << /F1 7 0 R >> >>",
                &format!("{TEXT} {inner_draws}"),
            ),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        ])
    }

    #[test]
    fn nested_forms_are_read() {
        let text = extract(&with_forms("")).unwrap();
        assert!(text.contains("drawn hello"), "{text:?}");
    }

    #[test]
    fn a_form_drawing_itself_through_another_is_refused() {
        // Without the check, pdf-extract overflows its stack.
        let err = extract(&with_forms("/Fm1 Do")).unwrap_err();
        assert_eq!(
            err,
            ExtractError::Malformed("a drawing in the file draws itself".into())
        );
    }

    #[test]
    fn a_form_drawing_itself_from_its_callers_resources_is_refused() {
        let file = pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            format!("<< {PAGE} /Contents 4 0 R /Resources << /XObject << /Fm1 5 0 R >> >> >>")
                .into_bytes(),
            stream("", "/Fm1 Do"),
            stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", "/Fm1 Do"),
        ]);
        assert!(
            matches!(extract(&file), Err(ExtractError::Malformed(m)) if m.contains("draws itself"))
        );
    }

    #[test]
    fn a_drawing_not_called_a_form_is_followed_too() {
        // Found by fuzz/extract_pdf: "/Form" mutated, and pdf-extract
        // draws the stream all the same.
        let file = pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            format!("<< {PAGE} /Contents 4 0 R /Resources << /XObject << /Fm1 5 0 R >> >> >>")
                .into_bytes(),
            stream("", "/Fm1 Do"),
            stream(
                "/Type /XObject /Subtype /Forn /BBox [0 0 10 10] \
                 /Resources << /XObject << /Fm1 5 0 R >> >>",
                "/Fm1 Do",
            ),
        ]);
        assert!(
            matches!(extract(&file), Err(ExtractError::Malformed(m)) if m.contains("draws itself"))
        );
    }

    #[test]
    fn a_page_tree_whose_parents_loop_is_refused() {
        // Without the check, pdf-extract looks up the chain forever.
        let file = pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 5 0 R >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_vec(),
            stream("", TEXT),
            b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>".to_vec(),
        ]);
        assert_eq!(
            extract(&file).unwrap_err(),
            ExtractError::Malformed("the page tree loops".into())
        );
    }
}
