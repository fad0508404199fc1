//! What the targets share: the fixture docket, and a panic hook that stays
//! quiet. Readers that catch a parser's panic on purpose (pdf-extract's)
//! would otherwise be reported by libFuzzer's hook; a panic that escapes
//! still aborts the run, which is what a target is for.

use rfidesk::domain::docket::{Docket, DocketFile};
use std::sync::OnceLock;

pub fn docket() -> &'static Docket {
    static DOCKET: OnceLock<Docket> = OnceLock::new();
    DOCKET.get_or_init(|| {
        std::panic::set_hook(Box::new(|_| {}));
        DocketFile::from_toml(include_str!("../../fixtures/dockets/ai-exports-rfi.toml"))
            .and_then(DocketFile::into_docket)
            .expect("the fixture docket")
    })
}
