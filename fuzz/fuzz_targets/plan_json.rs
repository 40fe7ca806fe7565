//! The plan reader: any text is a plan or an error, never a panic. A plan that is read renders,
//! and writes back to JSON that reads as the same plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightspeed_sync::catalog::plan::Plan;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Plan::from_json(text) {
        Ok(plan) => {
            let _ = plan.render();
            let _ = plan.counts();
            let again = Plan::from_json(&plan.to_json()).expect("a plan read back from its JSON");
            assert_eq!(again, plan, "a plan changed through its JSON");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
