//! The JSON mapping document reader and compiler, default options: any text gives a mapping
//! or errors naming their place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightspeed_fuzz::check_compiled;
use lightspeed_mapping::{Mapping, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_compiled(text, &Mapping::from_json(text, &Options::default()));
});
